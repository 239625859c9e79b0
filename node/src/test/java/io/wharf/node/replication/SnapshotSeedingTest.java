package io.wharf.node.replication;

import static io.wharf.node.replication.OnLoop.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.storage.SnapshotInfo;
import io.wharf.storage.SnapshotVolume;
import io.wharf.storage.Volume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SnapshotSeeding} between real pools over the replication transport. A history of
 * snapshots is taken across a growth and a revert (so one snapshot is not in the history of the one
 * before) on node-a, the target that seeds, or on node-h while node-a holds no copy (a storage-less
 * target); node-b has no copy. Seeding node-b's copy gives it every snapshot with the holder's bytes
 * and sizes, in order, from node-a's pool or from node-h over the transport; seeding it again writes
 * nothing and keeps them. The records are an in-memory stand-in for the cluster store's snapshot
 * records.
 */
class SnapshotSeedingTest {
    private static final String VOLUME = "vol-s";
    private static final int MIB = 1 << 20;
    private static final long MS = 1_000_000;
    private static final ReplicationConfig CONFIG = new ReplicationConfig(64 * 1024, 3_000 * MS, 50 * MS, 40, 0, 200 * MS, 4, 256, 0, 0);

    @TempDir
    Path directory;

    private final Map<String, String> addresses = new ConcurrentHashMap<>();
    private final Random random = new Random(77);
    private ReplicaNode a;
    private ReplicaNode b;
    private ReplicaNode h;
    private PeerLinks links;
    private SnapshotSeeding seeding;

    /** The node whose pool has the snapshots, and the nodes the records name as holding them. */
    private ReplicaNode holder;
    private List<String> holders;
    /** The snapshots whose records are ready. */
    private final Set<String> ready = new LinkedHashSet<>();
    /** What the seeding recorded, in order: "+id" held, "-id" not held. */
    private final List<String> recorded = Collections.synchronizedList(new ArrayList<>());

    private final SnapshotSeeding.Records records = new SnapshotSeeding.Records() {
        @Override
        public List<SnapshotSeeding.Ready> ready(String volumeId, String nodeId) {
            try {
                return holder.pool.snapshots(VOLUME).stream().filter(s -> ready.contains(s.id()))
                        .map(s -> new SnapshotSeeding.Ready(s.id(), s.sizeBytes(), holders)).toList();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void held(String volumeId, String storageId, String nodeId, boolean held) {
            assertThat(nodeId).isEqualTo("node-b");
            recorded.add((held ? "+" : "-") + storageId);
        }
    };

    @BeforeEach
    void start() throws Exception {
        a = ReplicaNode.start("node-a", directory.resolve("a"), CONFIG, event -> {});
        b = ReplicaNode.start("node-b", directory.resolve("b"), CONFIG, event -> {});
        h = ReplicaNode.start("node-h", directory.resolve("h"), CONFIG, event -> {});
        addresses.put("node-a", a.address());
        addresses.put("node-b", b.address());
        addresses.put("node-h", h.address());
        links = new PeerLinks(ReplicaNode.CLUSTER, "node-a", a.loop, a.host, id -> Optional.ofNullable(addresses.get(id)), CONFIG);
        seeding = new SnapshotSeeding("node-a", ReplicaNode.CLUSTER, a.loop, links, a.pool, records, CONFIG,
                id -> Optional.ofNullable(addresses.get(id)));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (seeding != null) {
                seeding.close();
            }
            if (links != null) {
                links.close();
            }
        } finally {
            for (ReplicaNode node : new ReplicaNode[] {h, b, a}) {
                if (node != null) {
                    node.close();
                }
            }
        }
    }

    @Test
    void aCopyGetsEverySnapshotFromTheTargetsPoolAndASecondSeedingWritesNothing() throws Exception {
        takeHistoryOn(a, List.of("node-a"));
        seedTwiceAndCheck();
    }

    @Test
    void aTargetWithoutACopySeedsFromANodeThatHoldsTheSnapshots() throws Exception {
        takeHistoryOn(h, List.of("node-b", "node-gone", "node-h")); // node-b is the copy; node-gone has no address
        seedTwiceAndCheck();
        assertThat(a.pool.volume(VOLUME)).as("node-a still holds no copy").isEmpty();
    }

    /**
     * A copy larger than one wire range (4 GiB) is zeroed in parts before its first snapshot is written:
     * node-b's copy holds stale data far out, which the snapshot must not show.
     */
    @Test
    void aCopyLargerThanAWireRangeIsZeroedInParts() throws Exception {
        holder = a;
        holders = List.of("node-a");
        long size = 6L << 30;
        Volume source = a.pool.create(VOLUME, size);
        write(source, 0, MIB);
        snapshot("s1");
        Volume stale = b.pool.create(VOLUME, size); // a copy left from before, thin
        write(stale, 5L << 30, MIB);
        ok(OnLoop.<Boolean>await(a.loop, done -> seeding.seed(VOLUME, "node-b", 1, done)));
        assertThat(b.pool.snapshots(VOLUME)).extracting(SnapshotInfo::id).containsExactly("s1");
        try (SnapshotVolume seeded = b.pool.openSnapshot(VOLUME, "s1"); SnapshotVolume taken = a.pool.openSnapshot(VOLUME, "s1")) {
            for (long at : new long[] {0, 5L << 30}) {
                ByteBuffer mine = ByteBuffer.allocate(MIB);
                ByteBuffer theirs = ByteBuffer.allocate(MIB);
                seeded.read(at, mine);
                taken.read(at, theirs);
                assertThat(mine.array()).as("node-b's s1 at " + at).isEqualTo(theirs.array());
            }
        }
    }

    /** Snapshots s1 (8 MiB), s2 (12 MiB, a trim over s1's data), s3 (after a revert to s1) on {@code node}'s pool. */
    private void takeHistoryOn(ReplicaNode node, List<String> recordedHolders) throws Exception {
        holder = node;
        holders = recordedHolders;
        Volume source = node.pool.create(VOLUME, 8 * MIB);
        write(source, 0, 3 * MIB);
        write(source, 6 * MIB, MIB);
        snapshot("s1");
        source.resize(12 * MIB);
        write(source, MIB, MIB);
        source.trim(6 * MIB, MIB); // zeros over data s1 holds: s2 must read them as zeros
        write(source, 10 * MIB, MIB);
        snapshot("s2");
        node.pool.revert(VOLUME, "s1");
        write(source, 2 * MIB, MIB);
        snapshot("s3"); // its history is s1, s3: not s2
        write(source, 4 * MIB, MIB); // the head, which seeding leaves to the rebuild
        snapshot("unrecorded"); // a snapshot with no ready record is not seeded
        ready.remove("unrecorded");
    }

    private void seedTwiceAndCheck() throws Exception {
        assertThat(ok(OnLoop.<Boolean>await(a.loop, done -> seeding.seed(VOLUME, "node-b", 1, done))))
                .as("the copy holds snapshots: its rebuild compares before writing").isTrue();
        assertSameSnapshots();
        assertThat(recorded).as("each snapshot recorded as not held on node-b until sealed there")
                .containsExactly("-s1", "+s1", "-s2", "+s2", "-s3", "+s3");
        long allocated = b.pool.volume(VOLUME).orElseThrow().allocatedBytes();

        recorded.clear();
        assertThat(ok(OnLoop.<Boolean>await(a.loop, done -> seeding.seed(VOLUME, "node-b", 1, done)))).isTrue();
        assertSameSnapshots();
        assertThat(recorded).as("held already: recorded, not copied again").containsExactly("+s1", "+s2", "+s3");
        assertThat(b.pool.volume(VOLUME).orElseThrow().allocatedBytes()).as("space on node-b after a second seeding")
                .isEqualTo(allocated);
    }

    @Test
    void aCopyOfAVolumeWithoutReadySnapshotsIsLeftAlone() throws Exception {
        holder = a;
        holders = List.of("node-a");
        Volume source = a.pool.create(VOLUME, 8 * MIB);
        write(source, 0, MIB);
        assertThat(ok(OnLoop.<Boolean>await(a.loop, done -> seeding.seed(VOLUME, "node-b", 1, done)))).isFalse();
        assertThat(b.pool.volume(VOLUME)).as("no copy created on node-b").isEmpty();
    }

    private void write(Volume volume, long offset, int length) throws Exception {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        volume.write(offset, ByteBuffer.wrap(bytes));
    }

    private void snapshot(String id) throws Exception {
        holder.pool.snapshot(VOLUME, id);
        ready.add(id);
    }

    private void assertSameSnapshots() throws Exception {
        List<SnapshotInfo> expected = holder.pool.snapshots(VOLUME).stream().filter(s -> ready.contains(s.id())).toList();
        List<SnapshotInfo> seeded = b.pool.snapshots(VOLUME);
        assertThat(seeded).extracting(SnapshotInfo::id).containsExactly("s1", "s2", "s3");
        assertThat(seeded).extracting(SnapshotInfo::sizeBytes).containsExactlyElementsOf(
                expected.stream().map(SnapshotInfo::sizeBytes).toList());
        for (SnapshotInfo snapshot : expected) {
            assertThat(read(b, snapshot.id(), snapshot.sizeBytes())).as("node-b's " + snapshot.id())
                    .isEqualTo(read(holder, snapshot.id(), snapshot.sizeBytes()));
        }
    }

    private static byte[] read(ReplicaNode node, String snapshotId, long sizeBytes) throws Exception {
        try (SnapshotVolume view = node.pool.openSnapshot(VOLUME, snapshotId)) {
            ByteBuffer data = ByteBuffer.allocate((int) sizeBytes);
            view.read(0, data);
            return data.array();
        }
    }
}
