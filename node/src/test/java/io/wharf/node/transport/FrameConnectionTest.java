package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.node.replication.PeerLinks;
import io.wharf.node.replication.ReplicaHost;
import io.wharf.node.replication.ReplicationLoop;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.RegionBits;
import io.wharf.replication.wire.Status;
import io.wharf.replication.wire.SyncFrameCodec;
import io.wharf.replication.wire.SyncMessage;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections of a {@link ReplicaServer} that carry synchronous replication, next to version-1 ones:
 * a peer that breaks the protocol on either kind loses only its own connection, and a server without
 * a replica host refuses synchronous replication with a clear error.
 */
class FrameConnectionTest {
    private static final long MIB = 1 << 20;
    private static final ReplicationConfig CONFIG = new ReplicationConfig(64 * 1024, 3_000_000_000L, 50_000_000L, 20, 0,
            200_000_000L, 4, 256, 0, 0);

    @TempDir
    Path directory;

    private Pool pool;
    private ReplicationLoop replicaLoop;
    private ReplicaHost host;
    private ReplicaServer server;
    private ReplicaClient client;
    private ReplicationLoop targetLoop;
    private PeerLinks links;

    private void start(boolean withHost) throws Exception {
        pool = Pool.open(directory.resolve("pool"), PoolConfig.defaults());
        replicaLoop = new ReplicationLoop("replica-loop");
        host = withHost ? new ReplicaHost("node-b", pool, directory.resolve("replicas"), replicaLoop, CONFIG, ReplicationListener.NONE)
                : null;
        server = new ReplicaServer(ReplicaServerConfig.of("127.0.0.1", 0, Replicas.CLUSTER, "node-b").withIoTimeoutMs(Replicas.TIMEOUT_MS),
                pool, host);
        server.start();
        client = new ReplicaClient(Replicas.clientConfig(server.port()).withConnections(1));
        targetLoop = new ReplicationLoop("target-loop");
        links = new PeerLinks(Replicas.CLUSTER, "node-a", targetLoop, null, id -> Optional.of("127.0.0.1:" + server.port()), CONFIG);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            closeAll(links, targetLoop, client, server, host, replicaLoop);
        } finally {
            if (pool != null) {
                pool.close();
            }
        }
    }

    private static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private <T> Outcome<T> onTarget(Consumer<Completion<T>> call) throws Exception {
        CompletableFuture<Outcome<T>> answer = new CompletableFuture<>();
        targetLoop.execute(() -> call.accept(answer::complete));
        return answer.get(20, TimeUnit.SECONDS);
    }

    private ReplicaSession openSession(String volumeId) throws Exception {
        CompletableFuture<ReplicaEndpoint> endpoint = new CompletableFuture<>();
        targetLoop.execute(() -> endpoint.complete(links.endpoint("node-b")));
        Outcome<ReplicaSession> opened = onTarget(done -> endpoint.join().open(volumeId, 1, MIB, true, done));
        assertThat(opened).isInstanceOf(Outcome.Ok.class);
        return ((Outcome.Ok<ReplicaSession>) opened).value();
    }

    /** Greets, opens {@code volumeId} with OPEN_FENCED (request id 2) and returns the handle. */
    private static int openFenced(RawPeer peer, String volumeId) throws Exception {
        peer.sendBytes(SyncFrameCodec.encode(new SyncMessage.OpenFenced(2, volumeId, 7, MIB, true)));
        return ((Message.Opened) peer.receive()).volumeHandle();
    }

    @Test
    void aPeerBreakingTheProtocolLosesOnlyItsConnectionAndVersion1ClientsKeepWorking() throws Exception {
        start(true);
        pool.create("vol-v1", MIB);
        RemoteVolume v1 = client.open("vol-v1", 1);
        v1.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        ReplicaSession session = openSession("vol-sync");
        assertThat(this.<Void>onTarget(done -> session.write(0, ByteBuffer.wrap(new byte[] {4, 5, 6}), false, done))).isInstanceOf(Outcome.Ok.class);

        try (RawPeer corrupt = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            int handle = openFenced(corrupt, "vol-raw");
            ByteBuffer frame = SyncFrameCodec.encode(new SyncMessage.TrackPeer(3, handle, 7, "node-x", new RegionBits(16, new BitSet())));
            frame.put(FrameCodec.HEADER_BYTES + 2, (byte) 'X'); // payload no longer matches its CRC32C
            corrupt.sendBytes(frame);
            assertThat(corrupt.closedByServer()).as("malformed frame on a frame connection").isTrue();
        }
        try (RawPeer openV1 = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            openFenced(openV1, "vol-raw");
            openV1.send(new Message.Open(3, "vol-v1", 1));
            assertThat(openV1.closedByServer()).as("version-1 OPEN on a frame connection").isTrue();
        }
        try (RawPeer mixed = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            mixed.send(new Message.Open(2, "vol-v1", 1));
            assertThat(mixed.receive()).isInstanceOf(Message.Opened.class);
            mixed.sendBytes(SyncFrameCodec.encode(new SyncMessage.OpenFenced(3, "vol-raw", 7, MIB, false)));
            assertThat(mixed.closedByServer()).as("synchronous-replication frame on a version-1 connection").isTrue();
        }
        try (RawPeer garbage = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            openFenced(garbage, "vol-raw");
            garbage.sendBytes(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(garbage.closedByServer()).as("garbage on a frame connection").isTrue();
        }
        try (RawPeer backwards = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            openFenced(backwards, "vol-raw");
            backwards.sendBytes(SyncFrameCodec.encode(new SyncMessage.OpenFenced(2, "vol-raw", 7, MIB, false)));
            assertThat(backwards.closedByServer()).as("a request id that does not grow").isTrue();
        }

        ByteBuffer back = ByteBuffer.allocate(3);
        v1.read(0, back);
        assertThat(back.array()).containsExactly(1, 2, 3);
        Outcome<ByteBuffer> read = onTarget(done -> session.read(0, 3, done));
        assertThat(read).isInstanceOfSatisfying(Outcome.Ok.class, ok -> {
            ByteBuffer data = (ByteBuffer) ok.value();
            assertThat(new byte[] {data.get(0), data.get(1), data.get(2)}).containsExactly(4, 5, 6);
        });
        try (RemoteVolume again = client.open("vol-v1", 2)) {
            again.write(4096, ByteBuffer.wrap(new byte[] {9}));
            again.flush();
        }
        Await.until("only the good connections are left", Duration.ofSeconds(10),
                () -> server.connectionCount() == client.connectionCount() + links.linkCount());
        assertThat(server.bufferedBytes()).isZero();
        v1.close();
    }

    @Test
    void aFramePeerThatDoesNotReadRepliesHoldsBoundedMemoryAndIsCutOff() throws Exception {
        start(true);
        try (RawPeer flood = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            flood.sendBytes(SyncFrameCodec.encode(new SyncMessage.OpenFenced(2, "vol-flood", 7, 64 * MIB, true)));
            int handle = ((Message.Opened) flood.receive()).volumeHandle();
            // 1 MiB reads whose answers are never read: each holds room for its answer until written
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        flood.send(new Message.Read(10 + i, handle, 7, (i % 64) * MIB, (int) MIB));
                    }
                } catch (java.io.IOException e) {
                    // cut off by the server: expected
                }
            });
            long peak = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
                peak = Math.max(peak, server.bufferedBytes());
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            assertThat(server.connectionCount()).as("cut off after the I/O timeout").isZero();
            assertThat(peak).isPositive().isLessThanOrEqualTo(ReplicaServerConfig.DEFAULT_CONNECTION_BUFFER_BYTES);
            Await.until("the flood's room is given back", Duration.ofSeconds(10), () -> server.bufferedBytes() == 0);
            sender.join(Duration.ofSeconds(10));
        }
    }

    @Test
    void aServerWithoutAReplicaHostRefusesSynchronousReplicationWithAClearError() throws Exception {
        start(false);
        try (RawPeer peer = RawPeer.greeted(server.port(), Replicas.CLUSTER)) {
            peer.sendBytes(SyncFrameCodec.encode(new SyncMessage.OpenFenced(2, "vol-x", 1, MIB, true)));
            Message.Reply refusal = (Message.Reply) peer.receive();
            assertThat(refusal.requestId()).isEqualTo(2);
            assertThat(refusal.status()).isEqualTo(Status.UNAVAILABLE);
            assertThat(refusal.error().message()).contains("node-b").contains("does not serve synchronous replication");
            assertThat(peer.closedByServer()).isTrue();
        }
        CompletableFuture<ReplicaEndpoint> endpoint = new CompletableFuture<>();
        targetLoop.execute(() -> endpoint.complete(links.endpoint("node-b")));
        Outcome<ReplicaSession> opened = onTarget(done -> endpoint.join().open("vol-x", 1, MIB, true, done));
        assertThat(opened).isInstanceOfSatisfying(Outcome.Failed.class, failed -> {
            assertThat(failed.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(failed.message()).contains("does not serve synchronous replication");
        });
        assertThat(pool.volume("vol-x")).isEmpty();
        pool.create("vol-v1", MIB);
        try (RemoteVolume v1 = client.open("vol-v1", 1)) {
            v1.write(0, ByteBuffer.wrap(new byte[] {1}));
        }
    }
}
