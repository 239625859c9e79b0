package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.replication.wire.ErrorDetail;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lost peers, silent peers, garbage and refusals: every failure is bounded, named and contained. */
class TransportFailureTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path directory;

    @Test
    void serverStoppedMidTrafficFailsCallsNamingThePeerAndTheClientRecoversAfterRestart() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            replicas.pool.create("vol-traffic", 16 * MIB);
            try (RemoteVolume remote = replicas.client.open("vol-traffic", 1)) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong completed = new AtomicLong();
                ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                CountDownLatch failedOnce = new CountDownLatch(4);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int index = t;
                    threads.add(Thread.ofPlatform().name("traffic-" + t).start(() -> {
                        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
                        boolean counted = false;
                        for (long i = 0; !stop.get(); i++) {
                            long offset = ((i * 7 + index) % 200) * 64 * 1024;
                            try {
                                buffer.clear();
                                if (i % 2 == 0) {
                                    remote.write(offset, buffer);
                                } else {
                                    remote.read(offset, buffer);
                                }
                                completed.incrementAndGet();
                            } catch (IOException e) {
                                failures.add(e);
                                if (!counted) {
                                    counted = true;
                                    failedOnce.countDown();
                                }
                            } catch (RuntimeException e) {
                                failures.add(e);
                                stop.set(true);
                            }
                        }
                    }));
                }
                try {
                    Await.until("traffic flows", Duration.ofSeconds(20), () -> completed.get() > 200);
                    long stoppedAt = System.nanoTime();
                    replicas.stopServer();
                    assertThat(failedOnce.await(2 * Replicas.TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS))
                            .as("every caller failed, within the timeout").isTrue();
                    assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofMillis(2 * Replicas.TIMEOUT_MS));
                    assertThat(failures).allSatisfy(failure -> assertThat(failure)
                            .isInstanceOf(PeerException.class)
                            .hasMessageContaining("replica peer " + replicas.client.peer()));

                    replicas.restartServer();
                    long before = completed.get();
                    Await.until("traffic flows again after the restart", Duration.ofSeconds(20), () -> completed.get() > before + 200);
                } finally {
                    stop.set(true);
                    for (Thread thread : threads) {
                        thread.join();
                    }
                }
                assertThat(failures).noneMatch(failure -> failure instanceof RuntimeException);
                remote.flush();
            }
        }
    }

    @Test
    void aPeerThatAcceptsButNeverAnswersFailsWithinTheTimeout() throws Exception {
        try (FakePeer silent = new FakePeer(message -> Optional.empty());
                ReplicaClient client = new ReplicaClient(Replicas.clientConfig(silent.port()).withRequestTimeoutMs(500))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.open("vol", 1)).isInstanceOf(PeerException.class)
                    .hasMessageContaining("replica peer " + client.peer()).hasMessageContaining("no reply to HELLO within 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aPeerThatStopsAnsweringMidTrafficFailsEveryWaitingCallWithinTheTimeout() throws Exception {
        try (FakePeer hanging = new FakePeer(FakePeer.answersOnlyHelloAndOpen(Replicas.CLUSTER, MIB));
                ReplicaClient client = new ReplicaClient(Replicas.clientConfig(hanging.port()).withRequestTimeoutMs(500).withConnections(1))) {
            RemoteVolume remote = client.open("vol", 1);
            List<Thread> callers = new ArrayList<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            long started = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                int index = i;
                callers.add(Thread.ofVirtual().start(() -> {
                    try {
                        remote.read(index * 4096L, ByteBuffer.allocateDirect(4096));
                        failures.add(new AssertionError("a read was answered"));
                    } catch (IOException | RuntimeException e) {
                        failures.add(e);
                    }
                }));
            }
            java.util.concurrent.CountDownLatch asyncDone = new java.util.concurrent.CountDownLatch(4);
            for (int i = 0; i < 4; i++) { // nobody waits for these: the watchdog must still end them
                RemoteVolume.Done done = failure -> {
                    failures.add(failure == null ? new AssertionError("an asynchronous call succeeded") : failure);
                    asyncDone.countDown();
                };
                if (i % 2 == 0) {
                    remote.readAsync(i * 8192L, ByteBuffer.allocateDirect(4096), done);
                } else {
                    remote.writeAsync(i * 8192L, ByteBuffer.allocateDirect(4096), false, done);
                }
            }
            for (Thread caller : callers) {
                assertThat(caller.join(Duration.ofSeconds(10))).as("caller returned").isTrue();
            }
            assertThat(asyncDone.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("asynchronous calls completed").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(failures).hasSize(12).allSatisfy(failure -> assertThat(failure).isInstanceOf(PeerException.class)
                    .hasMessageContaining("replica peer " + client.peer()));
            assertThat(failures).anySatisfy(failure -> assertThat(failure).hasMessageContaining("no reply to READ within 500 ms"));
        }
    }

    @Test
    void unreachablePeerIsNamedAndRetriedOnTheNextCall() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        try (ReplicaClient client = new ReplicaClient(Replicas.clientConfig(port))) {
            assertThatThrownBy(() -> client.open("vol", 1)).isInstanceOf(PeerException.class)
                    .hasMessageContaining("replica peer 127.0.0.1:" + port).hasMessageContaining("cannot connect");
            try (io.wharf.storage.Pool pool = io.wharf.storage.Pool.open(directory, io.wharf.storage.PoolConfig.defaults());
                    ReplicaServer server = new ReplicaServer(ReplicaServerConfig.of("127.0.0.1", port, Replicas.CLUSTER, "node-b"), pool)) {
                pool.create("vol", MIB);
                server.start();
                try (RemoteVolume remote = client.open("vol", 1)) {
                    remote.write(0, ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
    }

    @Test
    void garbageFromOnePeerClosesOnlyItsConnection() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            replicas.pool.create("vol-ok", MIB);
            try (RemoteVolume remote = replicas.client.open("vol-ok", 1)) {
                remote.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
                try (RawPeer http = RawPeer.connect(replicas.server.port())) {
                    http.sendBytes(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                    assertThat(http.closedByServer()).isTrue();
                }
                try (RawPeer corrupt = RawPeer.greeted(replicas.server.port(), Replicas.CLUSTER)) {
                    ByteBuffer frame = encode(new Message.Open(2, "vol-ok", 1));
                    frame.put(FrameCodec.HEADER_BYTES + 3, (byte) 'X'); // payload no longer matches its CRC32C
                    corrupt.sendBytes(frame);
                    assertThat(corrupt.closedByServer()).isTrue();
                }
                try (RawPeer early = RawPeer.connect(replicas.server.port())) {
                    early.send(new Message.Read(1, 1, 1, 0, 4096)); // before HELLO
                    assertThat(early.closedByServer()).isTrue();
                }
                try (RawPeer badWrite = RawPeer.greeted(replicas.server.port(), Replicas.CLUSTER)) {
                    badWrite.send(new Message.Open(2, "vol-ok", 1));
                    int handle = ((Message.Opened) badWrite.receive()).volumeHandle();
                    ByteBuffer frame = encode(new Message.Write(3, handle, 1, 0, ByteBuffer.wrap(new byte[4096]), false));
                    frame.put(FrameCodec.HEADER_BYTES + 100, (byte) 1); // corrupt data must never reach the volume
                    badWrite.sendBytes(frame);
                    assertThat(badWrite.closedByServer()).isTrue();
                }
                ByteBuffer back = ByteBuffer.allocate(3);
                remote.read(0, back);
                assertThat(back.array()).containsExactly(1, 2, 3);
                assertThat(replicas.pool.volume("vol-ok").orElseThrow().allocatedBytes()).isEqualTo(4096);
                Await.until("the bad peers' connections are gone", Duration.ofSeconds(10),
                        () -> replicas.server.connectionCount() == replicas.client.connectionCount());
            }
        }
    }

    @Test
    void protocolVersionMismatchIsRefusedInHelloWithAClearError() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            try (RawPeer future = RawPeer.connect(replicas.server.port())) {
                future.send(new Message.Hello(1, FrameCodec.PROTOCOL_VERSION + 1, Replicas.CLUSTER, "node-from-the-future"));
                Message.Reply refusal = (Message.Reply) future.receive();
                assertThat(refusal.requestId()).isEqualTo(1);
                assertThat(refusal.status()).isEqualTo(Status.UNSUPPORTED_VERSION);
                ErrorDetail detail = refusal.error();
                assertThat(detail.code()).isEqualTo(ErrorCode.UNAVAILABLE.name());
                assertThat(detail.message()).contains("version " + (FrameCodec.PROTOCOL_VERSION + 1))
                        .contains("speaks only version " + FrameCodec.PROTOCOL_VERSION);
                assertThat(future.closedByServer()).isTrue();
            }
            try (ReplicaClient stranger = new ReplicaClient(new ReplicaClientConfig("127.0.0.1", replicas.server.port(), "other-cluster",
                    "node-x", 1, 8, Replicas.TIMEOUT_MS))) {
                assertThatThrownBy(() -> stranger.open("vol", 1)).isInstanceOfSatisfying(WharfException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                    assertThat(e.hint()).contains("same cluster id");
                }).hasMessageContaining("cluster 'other-cluster'").hasMessageContaining(stranger.peer());
            }
        }
    }

    @Test
    void aClientRefusesAPeerThatAnswersWithAnotherVersion() throws Exception {
        try (FakePeer future = new FakePeer(message -> message instanceof Message.Hello hello
                ? Optional.of(new Message.HelloOk(hello.requestId(), 2, Replicas.CLUSTER, "future")) : Optional.empty());
                ReplicaClient client = new ReplicaClient(Replicas.clientConfig(future.port()))) {
            assertThatThrownBy(() -> client.open("vol", 1)).isInstanceOf(PeerException.class)
                    .hasMessageContaining("protocol version 2").hasMessageContaining("speaks version " + FrameCodec.PROTOCOL_VERSION);
        }
    }

    @Test
    void aPeerThatDoesNotReadRepliesHoldsBoundedMemoryAndIsCutOff() throws Exception {
        try (Replicas replicas = Replicas.start(directory)) {
            replicas.pool.create("vol-flood", 64 * MIB);
            try (RawPeer flood = RawPeer.greeted(replicas.server.port(), Replicas.CLUSTER)) {
                flood.send(new Message.Open(2, "vol-flood", 1));
                int handle = ((Message.Opened) flood.receive()).volumeHandle();
                // 1 MiB reads whose replies are never read: the server must stop at its per-connection budget
                Thread sender = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            flood.send(new Message.Read(10 + i, handle, 1, (i % 64) * MIB, (int) MIB));
                        }
                    } catch (IOException e) {
                        // cut off by the server: expected
                    }
                });
                long peak = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (replicas.server.connectionCount() > 0 && System.nanoTime() < deadline) {
                    peak = Math.max(peak, replicas.server.bufferedBytes());
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                assertThat(replicas.server.connectionCount()).as("cut off after the I/O timeout").isZero();
                assertThat(peak).isPositive().isLessThanOrEqualTo(ReplicaServerConfig.DEFAULT_CONNECTION_BUFFER_BYTES);
                assertThat(replicas.server.bufferedBytes()).isZero();
                sender.join(Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void closingLeavesNoThreadsBehind() throws Exception {
        Replicas replicas = Replicas.start(directory);
        try {
            replicas.pool.create("vol-threads", MIB);
            try (RemoteVolume remote = replicas.client.open("vol-threads", 1)) {
                remote.read(0, ByteBuffer.allocate(4096));
            }
        } finally {
            replicas.close();
        }
        replicas.assertNoThreadsLeft();
    }

    private static ByteBuffer encode(Message message) {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(message));
        FrameCodec.encode(message, frame);
        return frame.flip();
    }
}
