package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.api.client.ApiClient;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every {@link WharfApi} method through {@link ApiClient} and {@link ApiServer}, and back. */
class ApiRoundTripTest {
    private final FakeWharfApi fake = new FakeWharfApi();
    private ApiServer server;
    private ApiClient client;

    @BeforeEach
    void start() throws Exception {
        server = new ApiServer("127.0.0.1", 0, fake, () -> "wharf_up 1\n");
        server.start();
        client = new ApiClient(URI.create("http://127.0.0.1:" + server.port()));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void createsListsGetsResizesAndDeletesAVolume() {
        VolumeInfo created = client.createVolume(new VolumeCreate("db-data", 10 * ByteSize.GIB, Map.of("app", "pg")));
        assertThat(created.name()).isEqualTo("db-data");
        assertThat(created.sizeBytes()).isEqualTo(10 * ByteSize.GIB);
        assertThat(created.labels()).containsEntry("app", "pg");
        assertThat(created.nbdUri()).isEqualTo("nbd://127.0.0.1:10809/db-data");

        assertThat(client.listVolumes()).containsExactly(created);
        assertThat(client.getVolume("db-data")).isEqualTo(created);

        VolumeInfo resized = client.resizeVolume("db-data", 20 * ByteSize.GIB);
        assertThat(resized.sizeBytes()).isEqualTo(20 * ByteSize.GIB);
        assertThat(client.getVolume("db-data").sizeBytes()).isEqualTo(20 * ByteSize.GIB);

        client.deleteVolume("db-data", false);
        assertThat(client.listVolumes()).isEmpty();
    }

    @Test
    void readsPoolsClusterAndVersion() {
        client.createVolume(new VolumeCreate("a", ByteSize.GIB, null));
        assertThat(client.listPools()).singleElement().satisfies(pool -> {
            assertThat(pool.node()).isEqualTo("node-1");
            assertThat(pool.provisionedBytes()).isEqualTo(ByteSize.GIB);
            assertThat(pool.overcommitRatio()).isEqualTo(2.0);
        });
        ClusterInfo cluster = client.clusterStatus();
        assertThat(cluster.clusterId()).isEqualTo("c-test");
        assertThat(cluster.nodes()).extracting(NodeInfo::state).containsExactly("online");
        assertThat(cluster.volumes()).isEqualTo(1);
        assertThat(client.version()).isEqualTo(new VersionInfo("0.1.0-test", "v1"));
    }

    @Test
    void refusalsComeBackWithTheSameCodeMessageAndHint() {
        client.createVolume(new VolumeCreate("db", 10 * ByteSize.GIB, null));

        assertRefused(() -> client.createVolume(new VolumeCreate("db", ByteSize.GIB, null)), ErrorCode.VOLUME_EXISTS,
                "volume 'db' already exists", "choose another name, or delete the existing volume first");
        assertRefused(() -> client.getVolume("nope"), ErrorCode.VOLUME_NOT_FOUND, "volume 'nope' does not exist",
                "list volumes with `wharf volume list`");
        assertRefused(() -> client.resizeVolume("db", ByteSize.GIB), ErrorCode.SHRINK_NOT_SUPPORTED,
                "volume 'db' is 10 GiB; shrinking is not supported", "give a size of at least 10 GiB");
        assertRefused(() -> client.createVolume(new VolumeCreate("Bad_Name", ByteSize.GIB, null)),
                ErrorCode.INVALID_NAME, "volume name 'Bad_Name' is not valid", null);
        assertRefused(() -> client.createVolume(new VolumeCreate("huge", 1000 * ByteSize.GIB, null)),
                ErrorCode.CAPACITY_EXCEEDED, "no pool can take 1000 GiB", "delete volumes or add a node");
    }

    @Test
    void deleteOfAVolumeInUseNeedsForce() {
        client.createVolume(new VolumeCreate("busy", ByteSize.GIB, null));
        fake.setClients("busy", 1);
        assertRefused(() -> client.deleteVolume("busy", false), ErrorCode.VOLUME_IN_USE,
                "volume 'busy' has 1 NBD client(s) connected", null);
        client.deleteVolume("busy", true);
        assertRefused(() -> client.getVolume("busy"), ErrorCode.VOLUME_NOT_FOUND, "volume 'busy' does not exist", null);
    }

    @Test
    void anInternalErrorReachesTheClientAsInternalWithAReportId() {
        fake.failNext(new IllegalStateException("secret detail"));
        assertThatThrownBy(() -> client.listVolumes())
                .isInstanceOfSatisfying(WharfException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                    assertThat(e.getMessage()).matches("internal error \\(report id [0-9a-f]{8}\\)");
                    assertThat(e.getMessage()).doesNotContain("secret detail");
                });
    }

    static void assertRefused(Runnable call, ErrorCode code, String message, String hint) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(WharfException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).isEqualTo(message);
            if (hint != null) {
                assertThat(e.hint()).isEqualTo(hint);
            }
        });
    }
}
