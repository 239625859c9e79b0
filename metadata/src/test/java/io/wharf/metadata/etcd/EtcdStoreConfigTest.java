package io.wharf.metadata.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.metadata.etcd.EtcdStoreConfig.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdStoreConfigTest {
    @Test
    void parsesOneOrMoreEndpointsWithDefaultTimeouts() {
        EtcdStoreConfig config = EtcdStoreConfig.parse("etcd://10.0.0.1:2379,etcd-2.local:32379,[fd00::3]:2379");

        assertThat(config.endpoints()).containsExactly(
                new Endpoint("10.0.0.1", 2379), new Endpoint("etcd-2.local", 32379), new Endpoint("fd00::3", 2379));
        assertThat(config.requestTimeout()).isEqualTo(EtcdStoreConfig.DEFAULT_REQUEST_TIMEOUT);
        assertThat(config.connectTimeout()).isEqualTo(EtcdStoreConfig.DEFAULT_CONNECT_TIMEOUT);
        assertThat(config.url()).isEqualTo("etcd://10.0.0.1:2379,etcd-2.local:32379,[fd00::3]:2379");
        assertThat(config.endpoints().getLast().httpUri()).isEqualTo("http://[fd00::3]:2379");
    }

    @Test
    void thePortDefaultsToEtcdsClientPort() {
        assertThat(EtcdStoreConfig.parseEndpoints("etcd://etcd,[::1]/"))
                .containsExactly(new Endpoint("etcd", 2379), new Endpoint("::1", 2379));
    }

    @Test
    void refusesWhatIsNotAnEtcdAddress() {
        for (String invalid : List.of("http://127.0.0.1:2379", "127.0.0.1:2379", "etcd://", "etcd://a:2379,",
                "etcd://a:0", "etcd://a:65536", "etcd://a:port", "etcd://::1:2379", "etcd://[::1", "etcd://[::1]2379",
                "etcd://a:1,a:1", "etcd://a/path:1")) {
            assertThatThrownBy(() -> EtcdStoreConfig.parse(invalid)).as(invalid)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void timeoutsAreBounded() {
        EtcdStoreConfig config = EtcdStoreConfig.parse("etcd://a");

        assertThat(config.withRequestTimeout(Duration.ofMillis(250)).requestTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> config.withRequestTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config.withConnectTimeout(Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
