package io.wharf.node.replication;

import static io.wharf.node.replication.OnLoop.await;
import static io.wharf.node.replication.OnLoop.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target's {@link ReplicaEndpoint} from {@link PeerLinks} against a real {@code ReplicaServer}
 * and {@link ReplicaHost} over TCP on loopback: every call of the protocol round trips, epochs stay
 * fenced across a restart, and a session dies with its connection.
 */
class SyncTransportTest {
    private static final long MIB = 1 << 20;
    private static final int REGION = 64 * 1024;
    private static final long MS = 1_000_000;
    private static final ReplicationConfig CONFIG = new ReplicationConfig(REGION, 3_000 * MS, 50 * MS, 20, 0, 200 * MS, 4, 256, 0, 0);

    @TempDir
    Path directory;

    private ReplicaNode replica;
    private ReplicationLoop targetLoop;
    private PeerLinks links;
    private final Map<String, String> addresses = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        replica = ReplicaNode.start("node-b", directory.resolve("b"), CONFIG, ReplicationListener.NONE);
        addresses.put("node-b", replica.address());
        targetLoop = new ReplicationLoop("target-loop");
        links = new PeerLinks(ReplicaNode.CLUSTER, "node-a", targetLoop, null, id -> Optional.ofNullable(addresses.get(id)), CONFIG);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (links != null) {
                links.close();
            }
            if (targetLoop != null) {
                targetLoop.close();
            }
        } finally {
            if (replica != null) {
                replica.close();
            }
        }
    }

    private ReplicaEndpoint endpoint(String nodeId) throws Exception {
        return OnLoop.get(targetLoop, () -> links.endpoint(nodeId));
    }

    private ReplicaSession open(ReplicaEndpoint endpoint, String volumeId, long epoch, boolean create) throws Exception {
        return ok(await(targetLoop, done -> endpoint.open(volumeId, epoch, 4 * MIB, create, done)));
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private byte[] read(ReplicaSession session, long offset, int length) throws Exception {
        ByteBuffer data = ok(await(targetLoop, done -> session.read(offset, length, done)));
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    private Optional<RegionSet> regions(ReplicaSession session, RegionLog log, String peer) throws Exception {
        return ok(await(targetLoop, done -> session.regions(log, peer, done)));
    }

    private static RegionSet regionSet(int... regions) {
        RegionSet set = RegionSet.empty((int) (4 * MIB / REGION));
        for (int region : regions) {
            set.add(region);
        }
        return set;
    }

    /** Waits until the target's loop has heard that every link broke. */
    private void awaitLinksGone() throws InterruptedException {
        OnLoop.until("the target saw its links break", Duration.ofSeconds(10), () -> links.linkCount() == 0);
    }

    @Test
    void everyCallOfTheProtocolRoundTripsOverTcp() throws Exception {
        ReplicaEndpoint endpoint = endpoint("node-b");
        ReplicaSession session = open(endpoint, "vol-a", 5, true);
        assertThat(session.epoch()).isEqualTo(5);
        assertThat(replica.pool.volume("vol-a")).as("created by OPEN_FENCED with CREATE").isPresent();
        assertThat(replica.host.holds("vol-a")).isTrue();

        byte[] data = random(100_000, 1);
        ok(OnLoop.<Void>await(targetLoop, done -> session.write(70_000, ByteBuffer.wrap(data), false, done)));
        assertThat(read(session, 70_000, data.length)).isEqualTo(data);
        ok(OnLoop.<Void>await(targetLoop, session::flush));
        ok(OnLoop.<Void>await(targetLoop, done -> session.trim(REGION, REGION, false, done)));
        assertThat(read(session, REGION, REGION)).isEqualTo(new byte[REGION]);
        assertThat(read(session, 2 * REGION, 170_000 - 2 * REGION))
                .isEqualTo(java.util.Arrays.copyOfRange(data, 2 * REGION - 70_000, data.length));
        assertThat(regions(session, RegionLog.ACTIVITY, null)).contains(regionSet(1, 2));

        ok(OnLoop.<Void>await(targetLoop, done -> session.track("node-c", regionSet(5), done)));
        assertThat(regions(session, RegionLog.DIRTY, "node-c")).contains(regionSet(5));
        ok(OnLoop.<Void>await(targetLoop, done -> session.write(7L * REGION, ByteBuffer.wrap(random(4096, 2)), true, done)));
        assertThat(regions(session, RegionLog.DIRTY, "node-c")).as("a write lands in every dirty map").contains(regionSet(5, 7));
        assertThat(regions(session, RegionLog.ACTIVITY, null)).contains(regionSet(1, 2, 7));
        assertThat(durableMetadata("vol-a").tracked()).containsEntry("node-c", regionSet(5, 7));
        ok(OnLoop.<Void>await(targetLoop, done -> session.untrack("node-c", done)));
        assertThat(regions(session, RegionLog.DIRTY, "node-c")).isEmpty();
        ok(OnLoop.<Void>await(targetLoop, done -> session.settle(regionSet(1, 2, 7), done)));
        assertThat(regions(session, RegionLog.ACTIVITY, null)).contains(regionSet());
        ok(OnLoop.<Void>await(targetLoop, session::flush));

        long grown = 4 * MIB + 2 * REGION;
        ok(OnLoop.<Void>await(targetLoop, done -> session.grow(grown, done)));
        assertThat(replica.pool.volume("vol-a").orElseThrow().sizeBytes()).as("GROW_VOLUME grew the pool's volume").isEqualTo(grown);
        assertThat(durableMetadata("vol-a").sizeBytes()).isEqualTo(grown);
        byte[] past = random(4096, 4);
        ok(OnLoop.<Void>await(targetLoop, done -> session.write(grown - 4096, ByteBuffer.wrap(past), false, done)));
        assertThat(read(session, grown - 4096, 4096)).isEqualTo(past);
        assertThat(regions(session, RegionLog.ACTIVITY, null).orElseThrow().contains((int) (grown / REGION) - 1)).isTrue();

        ok(OnLoop.<Void>await(targetLoop, done -> session.snapshot("snap-1", done)));
        ok(OnLoop.<Void>await(targetLoop, done -> session.write(grown - 4096, ByteBuffer.wrap(random(4096, 5)), false, done)));
        ByteBuffer kept = ByteBuffer.allocate(4096);
        try (io.wharf.storage.SnapshotVolume snapshot = replica.pool.openSnapshot("vol-a", "snap-1")) {
            snapshot.read(grown - 4096, kept);
        }
        assertThat(kept.array()).as("SNAPSHOT_VOLUME kept the bytes of its time").isEqualTo(past);
        ok(OnLoop.<Void>await(targetLoop, done -> session.revert("snap-1", done)));
        assertThat(read(session, grown - 4096, 4096)).as("REVERT_VOLUME brought them back").isEqualTo(past);

        Outcome<ReplicaSession> older = OnLoop.<ReplicaSession>await(targetLoop, done -> endpoint.open("vol-a", 4, 4 * MIB, false, done));
        assertThat(older).isEqualTo(new Outcome.StaleEpoch<ReplicaSession>(5));
        assertThat(durableMetadata("vol-a").epoch()).isEqualTo(5);
    }

    @Test
    void theEpochStaysFencedAfterTheReplicaRestarts() throws Exception {
        ReplicaEndpoint endpoint = endpoint("node-b");
        ReplicaSession session = open(endpoint, "vol-a", 5, true);
        byte[] data = random(8192, 3);
        ok(OnLoop.<Void>await(targetLoop, done -> session.write(0, ByteBuffer.wrap(data), false, done)));
        ok(OnLoop.<Void>await(targetLoop, session::flush));

        replica.restartProcess();
        awaitLinksGone();
        assertThat(durableMetadata("vol-a").epoch()).isEqualTo(5);

        assertThat(OnLoop.<ReplicaSession>await(targetLoop, done -> endpoint.open("vol-a", 4, 4 * MIB, false, done)))
                .isEqualTo(new Outcome.StaleEpoch<ReplicaSession>(5));
        assertThat(OnLoop.<ReplicaSession>await(targetLoop, done -> endpoint.open("vol-a", 4, 4 * MIB, true, done)))
                .as("CREATE does not reset an existing replica").isEqualTo(new Outcome.StaleEpoch<ReplicaSession>(5));
        ReplicaSession newer = open(endpoint, "vol-a", 6, false);
        assertThat(read(newer, 0, data.length)).isEqualTo(data);
        assertThat(OnLoop.<ByteBuffer>await(targetLoop, done -> session.read(0, 4096, done))).as("the session of the old process stays dead")
                .isInstanceOf(Outcome.Failed.class);
        assertThat(OnLoop.<ReplicaSession>await(targetLoop, done -> endpoint.open("vol-missing", 6, 4 * MIB, false, done)))
                .isInstanceOfSatisfying(Outcome.Failed.class, failed -> assertThat(failed.code()).isEqualTo(ErrorCode.VOLUME_NOT_FOUND));
    }

    @Test
    void aSessionDiesWithItsConnectionAndANewOpenMakesANewOne() throws Exception {
        ReplicaEndpoint endpoint = endpoint("node-b");
        ReplicaSession session = open(endpoint, "vol-a", 1, true);
        ok(OnLoop.<Void>await(targetLoop, done -> session.write(0, ByteBuffer.wrap(random(4096, 4)), false, done)));

        List<CompletableFuture<Outcome<Void>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            long offset = i * 4096L;
            inFlight.add(OnLoop.start(targetLoop, done -> session.write(offset, ByteBuffer.wrap(random(4096, offset)), false, done)));
        }
        long stoppedAt = System.nanoTime();
        replica.stopServer();
        for (CompletableFuture<Outcome<Void>> call : inFlight) {
            assertThat(call.get(5, TimeUnit.SECONDS)).as("a call in flight ends with the link, not at a timeout")
                    .isInstanceOfAny(Outcome.Ok.class, Outcome.Failed.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofMillis(CONFIG.requestTimeoutNanos() / MS));
        awaitLinksGone();
        assertThat(OnLoop.<Void>await(targetLoop, done -> session.write(0, ByteBuffer.wrap(new byte[512]), false, done)))
                .isInstanceOfSatisfying(Outcome.Failed.class, failed -> assertThat(failed.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(OnLoop.<Void>await(targetLoop, session::flush)).isInstanceOf(Outcome.Failed.class);

        replica.startServer();
        ReplicaSession again = open(endpoint, "vol-a", 1, false);
        byte[] data = random(4096, 5);
        ok(OnLoop.<Void>await(targetLoop, done -> again.write(8192, ByteBuffer.wrap(data), false, done)));
        assertThat(read(again, 8192, data.length)).isEqualTo(data);
        assertThat(OnLoop.<ByteBuffer>await(targetLoop, done -> session.read(0, 4096, done))).as("never revived by a new link")
                .isInstanceOf(Outcome.Failed.class);
        assertThat(links.linkCount()).isEqualTo(1);
    }

    @Test
    void anUnreachableOrUnknownNodeFailsTheOpenAtOnce() throws Exception {
        addresses.put("node-gone", "127.0.0.1:" + unusedPort());
        long started = System.nanoTime();
        assertThat(OnLoop.<ReplicaSession>await(targetLoop, done -> links.endpoint("node-gone").open("vol-a", 1, MIB, true, done)))
                .isInstanceOfSatisfying(Outcome.Failed.class, failed -> {
                    assertThat(failed.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                    assertThat(failed.message()).contains("node-gone");
                });
        assertThat(OnLoop.<ReplicaSession>await(targetLoop, done -> links.endpoint("node-unknown").open("vol-a", 1, MIB, true, done)))
                .isInstanceOfSatisfying(Outcome.Failed.class, failed -> assertThat(failed.message()).contains("unknown"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(CONFIG.requestTimeoutNanos() / MS));
        assertThat(links.linkCount()).isZero();
    }

    @Test
    void aReplicaThatNeverAnswersHelloOrStopsTakingFramesLosesItsLinkWithinTheTimeout() throws Exception {
        ReplicationConfig quick = new ReplicationConfig(REGION, 300 * MS, 50 * MS, 20, 0, 200 * MS, 4, 256, 0, 0);
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
                java.net.ServerSocket stalling = new java.net.ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
                PeerLinks quickLinks = new PeerLinks(ReplicaNode.CLUSTER, "node-a", targetLoop, null,
                        id -> Optional.of("127.0.0.1:" + (id.equals("node-silent") ? silent : stalling).getLocalPort()), quick)) {
            List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    accepted.add(silent.accept()); // never answers HELLO
                    java.net.Socket peer = stalling.accept();
                    accepted.add(peer);
                    FakeReplica.answerHelloAndOpenThenStopReading(peer);
                } catch (java.io.IOException e) {
                    // the test is over
                }
            });
            try {
                long started = System.nanoTime();
                assertThat(OnLoop.<ReplicaSession>await(targetLoop, done -> quickLinks.endpoint("node-silent").open("vol-a", 1, MIB, true, done)))
                        .isInstanceOfSatisfying(Outcome.Failed.class, failed -> assertThat(failed.message()).contains("within 300 ms"));
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));

                ReplicaSession session = ok(OnLoop.<ReplicaSession>await(targetLoop,
                        done -> quickLinks.endpoint("node-stalling").open("vol-a", 1, 64 * MIB, true, done)));
                List<CompletableFuture<Outcome<Void>>> writes = new ArrayList<>();
                ByteBuffer payload = ByteBuffer.allocateDirect((int) MIB); // sent as it is: queueing 64 takes far less than the timeout
                for (int i = 0; i < 64; i++) {
                    long offset = i * MIB;
                    writes.add(OnLoop.start(targetLoop, done -> session.write(offset, payload.duplicate(), false, done)));
                }
                for (CompletableFuture<Outcome<Void>> write : writes) {
                    assertThat(write.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Failed.class, failed -> {
                        assertThat(failed.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                        assertThat(failed.message()).contains("did not take a frame within 300 ms");
                    });
                }
                OnLoop.until("the stalled link is gone", Duration.ofSeconds(5), () -> quickLinks.linkCount() == 0);
            } finally {
                for (java.net.Socket socket : accepted) {
                    socket.close();
                }
                silent.close();
                stalling.close();
                acceptor.join(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void closingLeavesNoThreadsBehind() throws Exception {
        ReplicaEndpoint endpoint = endpoint("node-b");
        ReplicaSession session = open(endpoint, "vol-a", 1, true);
        ok(OnLoop.<Void>await(targetLoop, session::flush));
        String serverThreads = "replica-" + replica.server.port() + "-";
        links.close();
        targetLoop.close();
        replica.close();
        OnLoop.until("the threads of links, loops and server have ended", Duration.ofSeconds(10), () -> Thread.getAllStackTraces().keySet()
                .stream().map(Thread::getName).noneMatch(name -> name.startsWith("repl-link-") || name.equals("target-loop")
                        || name.equals("replication-loop-node-b") || name.startsWith(serverThreads)));
    }

    private ReplicaMetadata durableMetadata(String volumeId) throws Exception {
        return ReplicaMetadata.decode(Files.readAllBytes(replica.host.metadataFile(volumeId)), 1); // the current format records the size
    }

    private static int unusedPort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
