package io.wharf.nbd;

import static io.wharf.nbd.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.WharfException;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Life cycle, limits and timeouts of the server. */
class NbdServerTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void bindFailureSurfacesAsBindException() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(taken.getLocalPort()), new MapExports())) {
            assertThatThrownBy(server::start).isInstanceOf(BindException.class);
            assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void ephemeralPortIsReportedAndStartTwiceIsRefused() throws IOException {
        try (NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0), new MapExports())) {
            server.start();
            assertThat(server.port()).isPositive();
            assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void countsAndForcefullyDisconnectsConnectionsPerExport() throws Exception {
        MapExports exports = new MapExports().add(new MemoryExport("a", MIB)).add(new MemoryExport("b", MIB));
        try (NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0), exports)) {
            server.start();
            List<RawClient> onA = new ArrayList<>();
            try (RawClient onB = RawClient.open(server.port(), "b", true, false);
                    RawClient negotiating = RawClient.connect(server.port())) {
                negotiating.greet();
                for (int i = 0; i < 3; i++) {
                    onA.add(RawClient.open(server.port(), "a", i % 2 == 0, false));
                }
                assertThat(server.connectionCount("a")).isEqualTo(3);
                assertThat(server.connectionCount("b")).isEqualTo(1);
                assertThat(server.connectionCount()).isEqualTo(5);

                exports.remove("a");
                assertThat(server.disconnectAll("a")).isEqualTo(3);

                assertThat(server.connectionCount("a")).isZero();
                for (RawClient client : onA) {
                    assertThat(client.closedByServer()).isTrue();
                }
                assertThat(onB.read(0, 4)).hasSize(4);
                assertThat(negotiating.go(OPT_INFO, "b")).isEqualTo(REP_ACK);
                assertThat(server.connectionCount("b")).isEqualTo(1);
                assertThat(server.disconnectAll("nothing")).isZero();
            } finally {
                onA.forEach(RawClient::close);
            }
        }
    }

    @Test
    void closeEndsConnectionsAndStopsAccepting() throws Exception {
        MapExports exports = new MapExports().add(new MemoryExport("vol", MIB));
        NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0), exports);
        server.start();
        int port = server.port();
        try (RawClient transmitting = RawClient.open(port, "vol", true, false);
                RawClient negotiating = RawClient.connect(port)) {
            negotiating.greet();
            server.close();
            assertThat(transmitting.closedByServer()).isTrue();
            assertThat(negotiating.closedByServer()).isTrue();
            assertThat(server.connectionCount()).isZero();
            assertThat(server.bufferedBytes()).isZero();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .noneMatch(name -> name.equals("nbd-accept-" + port) || name.equals("nbd-watchdog-" + port));
            server.close();
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        MapExports exports = new MapExports().add(new MemoryExport("vol", MIB));
        try (NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0).withMaxConnections(2), exports)) {
            server.start();
            try (RawClient first = RawClient.open(server.port(), "vol", false, false)) {
                try (RawClient second = RawClient.open(server.port(), "vol", false, false);
                        RawClient third = RawClient.connect(server.port())) {
                    assertThat(third.closedByServer()).isTrue();
                    assertThat(server.refusedConnectionCount()).isEqualTo(1);
                    assertThat(second.read(0, 1)).hasSize(1);
                }
                Await.until("the second connection is gone", Duration.ofSeconds(10), () -> server.connectionCount() == 1);
                try (RawClient again = RawClient.open(server.port(), "vol", false, false)) {
                    assertThat(again.read(0, 1)).hasSize(1);
                }
                assertThat(first.read(0, 1)).hasSize(1);
            }
        }
    }

    @Test
    void silentClientsAreDroppedAfterTheHandshakeTimeout() throws Exception {
        MapExports exports = new MapExports().add(new MemoryExport("vol", MIB));
        try (NbdServer server = new NbdServer(NbdServerConfig.defaults().withPort(0).withIoTimeoutMs(300), exports)) {
            server.start();
            try (Socket silent = new Socket()) {
                silent.connect(new InetSocketAddress("127.0.0.1", server.port()));
                silent.setSoTimeout(10_000);
                assertThat(silent.getInputStream().readNBytes(18)).hasSize(18);
                assertThat(silent.getInputStream().read()).isEqualTo(-1);
            }
            try (RawClient idleButAttached = RawClient.open(server.port(), "vol", true, false)) {
                Await.until("the silent client is gone", Duration.ofSeconds(10), () -> server.connectionCount() == 1);
                assertThat(idleButAttached.read(0, 8)).as("idle in transmission is fine").hasSize(8);
            }
        }
    }

    @Test
    void clientThatStopsReadingRepliesIsDroppedWithoutStarvingOthers() throws Exception {
        MapExports exports = new MapExports().add(new MemoryExport("vol", 64 * MIB));
        NbdServerConfig config = NbdServerConfig.defaults().withPort(0).withIoTimeoutMs(1_000);
        try (NbdServer server = new NbdServer(config, exports)) {
            server.start();
            try (RawClient stuck = RawClient.open(server.port(), "vol", true, false);
                    VerifyLoop bystander = new VerifyLoop(server.port(), "vol", 0, (int) MIB, false, 5)) {
                stuck.socket.setReceiveBufferSize(4096);
                for (int i = 0; i < 40; i++) {
                    stuck.send(0, CMD_READ, i, 0, 32 * MIB, null);
                }
                bystander.awaitRounds(50);
                Await.until("the stuck client is dropped", Duration.ofSeconds(20), () -> server.connectionCount() == 1);
                bystander.awaitRounds(50);
            }
            Await.until("buffers are returned", Duration.ofSeconds(10), () -> server.bufferedBytes() == 0);
        }
    }

    @Test
    void configurationIsValidated() {
        assertThatThrownBy(() -> new NbdServerConfig("", 0, 1, 1, 4096, 1)).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> new NbdServerConfig("127.0.0.1", 70000, 1, 1, 4096, 1)).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> new NbdServerConfig("127.0.0.1", 0, 0, 1, 4096, 1)).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> new NbdServerConfig("127.0.0.1", 0, 1, 0, 4096, 1)).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> new NbdServerConfig("127.0.0.1", 0, 1, 1, 100, 1)).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> new NbdServerConfig("127.0.0.1", 0, 1, 1, 4096, 0)).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> NbdServerConfig.defaults().withMaxBufferBytes(MIB)).isInstanceOf(WharfException.class)
                .hasMessageContaining("maxBufferBytes");
        NbdServerConfig six = new NbdServerConfig("0.0.0.0", 10809, 10, 16, 64 * 1024 * 1024, 4);
        assertThat(six.maxBufferBytes()).isGreaterThanOrEqualTo(128 * MIB);
        assertThat(six.connectionBufferBytes()).isGreaterThanOrEqualTo(64 * MIB);
        assertThat(NbdServerConfig.defaults().port()).isEqualTo(10809);
        assertThat(NbdServerConfig.defaults().bindHost()).isEqualTo("127.0.0.1");
    }
}
