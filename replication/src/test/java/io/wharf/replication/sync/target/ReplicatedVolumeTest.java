package io.wharf.replication.sync.target;

import static io.wharf.replication.sync.target.TestCluster.MS;
import static io.wharf.replication.sync.target.TestCluster.REGION;
import static io.wharf.replication.sync.target.TestCluster.block;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The target's rules, one scenario each, on in-process replicas stepped by hand. */
class ReplicatedVolumeTest {

    @Test
    void attachRaisesTheEpochAndEveryReplicaInSyncGetsTheWrite() {
        TestCluster cluster = new TestCluster("a", "b", "c");
        ReplicatedVolume volume = cluster.attach("a");
        assertThat(volume.epoch()).isEqualTo(1);
        assertThat(cluster.store.current.value().target()).isEqualTo("a");
        assertThat(cluster.<Void>await(done -> volume.write(REGION, block(7), false, done))).isInstanceOf(Outcome.Ok.class);
        for (TestCluster.Node node : cluster.nodes.values()) {
            assertThat(node.disk.bytes()[REGION]).as(node.id).isEqualTo((byte) 7);
        }
    }

    /**
     * With an idle time, a region written before every flush stays in the activity logs (no metadata
     * save per write), while a region left alone for a round is settled; with none, every settleable
     * region is settled at each round.
     */
    @Test
    void onlyRegionsIdleForARoundLeaveTheActivityLogs() {
        for (long idle : new long[] {100 * MS, 0}) {
            TestCluster cluster = new TestCluster("a", "b");
            cluster.config = new ReplicationConfig(REGION, 30 * MS, 10 * MS, 3, 0, 50 * MS, 1, 256, idle, 0);
            ReplicatedVolume volume = cluster.attach("a");
            assertThat(cluster.<Void>await(done -> volume.write(REGION, block(1), false, done))).isInstanceOf(Outcome.Ok.class);
            for (int round = 0; round < 40; round++) {
                int fill = round;
                assertThat(cluster.<Void>await(done -> volume.write(2 * REGION, block(fill), false, done))).isInstanceOf(Outcome.Ok.class);
                assertThat(cluster.<Void>await(volume::flush)).isInstanceOf(Outcome.Ok.class);
                cluster.scheduler.advance(10 * MS);
            }
            for (TestCluster.Node node : cluster.nodes.values()) {
                assertThat(node.durable.activity().contains(1)).as("idle region on %s (idle time %d)", node.id, idle).isFalse();
                assertThat(node.durable.activity().contains(2)).as("hot region on %s (idle time %d)", node.id, idle).isEqualTo(idle > 0);
            }
        }
    }

    /**
     * The logs keep up to {@code activityLogRegions} idle regions (the hot set) and settle the rest,
     * so they stay bounded at rest; with 0 every idle region is settled.
     */
    @Test
    void theActivityLogsKeepAHotSetAndSettleWhatGoesBeyondIt() {
        for (int hotSet : new int[] {3, 0}) {
            TestCluster cluster = new TestCluster("a", "b");
            cluster.config = new ReplicationConfig(REGION, 30 * MS, 10 * MS, 3, 0, 50 * MS, 1, 256, 0, hotSet);
            ReplicatedVolume volume = cluster.attach("a");
            for (int region = 0; region < 8; region++) {
                int at = region;
                assertThat(cluster.<Void>await(done -> volume.write(at * REGION, block(at), false, done))).isInstanceOf(Outcome.Ok.class);
            }
            for (int round = 0; round < 5; round++) {
                assertThat(cluster.<Void>await(volume::flush)).isInstanceOf(Outcome.Ok.class);
                cluster.scheduler.advance(10 * MS);
            }
            for (TestCluster.Node node : cluster.nodes.values()) {
                assertThat(node.durable.activity().size()).as("activity log of %s with a hot set of %d", node.id, hotSet)
                        .isEqualTo(hotSet);
            }
            assertThat(cluster.<Void>await(done -> volume.write(7 * REGION, block(9), false, done))).isInstanceOf(Outcome.Ok.class);
        }
    }

    @Test
    void aWriteWaitsForEveryReplicaInSync() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.nodes.get("b").unreachable = true;
        List<Outcome<Void>> answer = new ArrayList<>();
        volume.write(0, block(1), false, answer::add);
        cluster.scheduler.advance(10 * MS);
        assertThat(answer).as("b has not answered").isEmpty();
    }

    @Test
    void aFailedReplicaIsRecordedOutOfSyncBeforeTheWriteWaitingForItIsAcknowledged() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.nodes.get("b").unreachable = true;
        List<ReplicationRecord> recordAtAck = new ArrayList<>();
        volume.write(3 * REGION, block(1), false, outcome -> {
            assertThat(outcome).isInstanceOf(Outcome.Ok.class);
            recordAtAck.add(cluster.store.current.value());
        });
        cluster.scheduler.advance(100 * MS);
        assertThat(recordAtAck).hasSize(1);
        assertThat(recordAtAck.getFirst().state("b")).isEqualTo(ReplicaState.OUT_OF_SYNC);
        assertThat(cluster.nodes.get("a").durable.tracked().get("b").contains(3)).as("a tracks b's dirty region, durably").isTrue();
    }

    @Test
    void withTheStoreUnreachableTheWritesWaitingForAFailedReplicaFail() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.nodes.get("b").unreachable = true;
        cluster.store.unreachable = true;
        List<Outcome<Void>> answer = new ArrayList<>();
        volume.write(0, block(1), false, answer::add);
        cluster.scheduler.advance(1_000 * MS);
        assertThat(answer).singleElement().isInstanceOf(Outcome.Failed.class);
        assertThat(volume.phase()).isEqualTo(ReplicatedVolume.Phase.FAILED);
    }

    @Test
    void aTargetFencedByANewerAttachNeverAcknowledgesAgain() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume old = cluster.attach("a");
        ReplicatedVolume current = cluster.attach("b");
        assertThat(current.epoch()).isEqualTo(2);
        assertThat(cluster.<Void>await(done -> old.write(0, block(5), false, done))).isInstanceOf(Outcome.Failed.class);
        assertThat(old.phase()).isEqualTo(ReplicatedVolume.Phase.FENCED);
        assertThat(cluster.nodes.get("a").disk.bytes()[0]).as("the fenced write landed nowhere").isZero();
        assertThat(cluster.<Void>await(done -> current.write(0, block(6), false, done))).isInstanceOf(Outcome.Ok.class);
    }

    @Test
    void aNewerEpochFoundWhileMarkingFencesTheTarget() {
        TestCluster cluster = new TestCluster("a", "b", "c");
        ReplicatedVolume volume = cluster.attach("a");
        ReplicationRecord record = cluster.store.current.value();
        cluster.store.put(record.attached(record.epoch() + 1, "c")); // attached elsewhere; no replica touched yet
        cluster.nodes.get("b").unreachable = true;
        assertThat(cluster.<Void>await(done -> volume.write(0, block(1), false, done))).isInstanceOf(Outcome.Failed.class);
        assertThat(volume.phase()).isEqualTo(ReplicatedVolume.Phase.FENCED);
    }

    @Test
    void aReturningReplicaCopiesOnlyTheRegionsWrittenWhileItWasAway() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.nodes.get("b").unreachable = true;
        cluster.<Void>await(done -> volume.write(5 * REGION, block(3), false, done));
        cluster.<Void>await(done -> volume.write(9 * REGION + 4096, block(4), false, done));
        cluster.nodes.get("b").unreachable = false;
        cluster.scheduler.advance(200 * MS);
        VolumeStatus.Replica b = volume.status().replicas().get(1);
        assertThat(b.state()).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(b.regionsToCopy()).as("regions 5 and 9 (and nothing else)").isEqualTo(2);
        assertThat(cluster.store.current.value().state("b")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(cluster.nodes.get("b").disk.bytes()).isEqualTo(cluster.nodes.get("a").disk.bytes());
    }

    @Test
    void aNewReplicaIsRebuiltOnlineAndJoinsWhenComplete() {
        TestCluster cluster = new TestCluster("a");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.<Void>await(done -> volume.write(2 * REGION, block(8), false, done));
        assertThat(cluster.<Void>await(done -> volume.addReplica("d", done))).isInstanceOf(Outcome.Ok.class);
        cluster.scheduler.advance(200 * MS);
        assertThat(cluster.store.current.value().state("d")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(cluster.store.history.stream().anyMatch(record -> record.state("d") == ReplicaState.REBUILDING)).isTrue();
        assertThat(cluster.nodes.get("d").disk.bytes()).isEqualTo(cluster.nodes.get("a").disk.bytes());
    }

    /**
     * The seeder runs before a full rebuild only, and before the rebuild opens the copy; whatever it
     * leaves in the copy's current content (here garbage, then a failure) is overwritten by the rebuild.
     */
    @Test
    void aSeederRunsBeforeAFullRebuildOnlyAndWhatItLeavesIsRebuiltOver() {
        TestCluster cluster = new TestCluster("a", "b");
        List<String> seeded = new ArrayList<>();
        cluster.seeder = (volumeId, nodeId, epoch, done) -> {
            seeded.add(nodeId + "@" + epoch);
            TestCluster.Node node = cluster.nodes.computeIfAbsent(nodeId, id -> cluster.new Node(id));
            node.disk.write(3 * REGION, ByteBuffer.wrap(new byte[] {42}), // a seeding cut short left this behind
                    written -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "seeding stopped")));
        };
        ReplicatedVolume volume = cluster.attach("a");
        cluster.<Void>await(done -> volume.write(2 * REGION, block(8), false, done));
        assertThat(cluster.<Void>await(done -> volume.addReplica("d", done))).isInstanceOf(Outcome.Ok.class);
        cluster.scheduler.advance(200 * MS);
        assertThat(seeded).as("seeded before its rebuild, at the target's epoch").containsExactly("d@" + volume.epoch());
        assertThat(cluster.store.current.value().state("d")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(cluster.nodes.get("d").disk.bytes()).isEqualTo(cluster.nodes.get("a").disk.bytes());

        cluster.nodes.get("b").unreachable = true;
        cluster.<Void>await(done -> volume.write(5 * REGION, block(3), false, done));
        cluster.nodes.get("b").unreachable = false;
        cluster.scheduler.advance(200 * MS);
        assertThat(cluster.store.current.value().state("b")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(seeded).as("a resync is not seeded").hasSize(1);
    }

    /**
     * A seeder that left snapshots in the copy: the rebuild reads each chunk of the copy first and
     * writes only those that differ (here a garbage byte), never those it holds already.
     */
    @Test
    void aRebuildAfterASeedingWritesOnlyWhatTheCopyLacks() {
        TestCluster cluster = new TestCluster("a");
        cluster.seeder = (volumeId, nodeId, epoch, done) -> {
            TestCluster.Node node = cluster.nodes.computeIfAbsent(nodeId, id -> cluster.new Node(id));
            node.disk.write(2 * REGION, block(8), same -> // what the snapshot held: the bytes the volume has
                    node.disk.write(3 * REGION, ByteBuffer.wrap(new byte[] {42}), garbage -> done.complete(Outcome.ok(true))));
        };
        ReplicatedVolume volume = cluster.attach("a");
        cluster.<Void>await(done -> volume.write(2 * REGION, block(8), false, done));
        cluster.<Void>await(done -> volume.write(6 * REGION, block(5), false, done));
        assertThat(cluster.<Void>await(done -> volume.addReplica("d", done))).isInstanceOf(Outcome.Ok.class);
        cluster.scheduler.advance(200 * MS);
        assertThat(cluster.store.current.value().state("d")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(cluster.nodes.get("d").disk.bytes()).isEqualTo(cluster.nodes.get("a").disk.bytes());
        assertThat(cluster.nodes.get("d").disk.writes).as("the seeder's two writes, and region 6's: region 2 was there already")
                .isEqualTo(3);
    }

    @Test
    void takeoverReconcilesTheRegionsOfWritesInFlightWhenTheTargetDied() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.nodes.get("b").dropWritesAt = offset -> offset == 7L * REGION; // lost on the way to b
        List<Outcome<Void>> answer = new ArrayList<>();
        volume.write(7 * REGION, block(9), false, answer::add);
        cluster.scheduler.advance(5 * MS); // the target "dies" here: it is simply never used again
        assertThat(answer).isEmpty();
        assertThat(cluster.nodes.get("a").disk.bytes()[7 * REGION]).isEqualTo((byte) 9);
        cluster.nodes.get("b").dropWritesAt = offset -> false;
        ReplicatedVolume next = cluster.attach("b");
        assertThat(cluster.nodes.get("a").disk.bytes()).as("replicas agree after reconciliation")
                .isEqualTo(cluster.nodes.get("b").disk.bytes());
        ByteBuffer read = ((Outcome.Ok<ByteBuffer>) cluster.<ByteBuffer>await(done -> next.read(7 * REGION, 4096, done))).value();
        assertThat(read.get(0)).isEqualTo(cluster.nodes.get("a").disk.bytes()[7 * REGION]);
    }

    @Test
    void readsGoToTheLocalReplicaWhenItIsInSync() {
        TestCluster cluster = new TestCluster("a", "b", "c");
        ReplicatedVolume volume = cluster.attach("b");
        for (int i = 0; i < 5; i++) {
            cluster.<ByteBuffer>await(done -> volume.read(0, 4096, done));
        }
        assertThat(cluster.nodes.get("b").reads).isEqualTo(5);
        assertThat(cluster.nodes.get("a").reads + cluster.nodes.get("c").reads).isZero();
    }

    /**
     * A growth records the new size, then grows every replica in sync (copy and durable metadata) before
     * it answers; a replica away at the time grows when its resync opens it, and copies what was
     * written past the old end meanwhile.
     */
    @Test
    void aGrowthGrowsEveryReplicaInSyncAndOneAwayGrowsWhenItReturns() {
        TestCluster cluster = new TestCluster("a", "b", "c");
        ReplicatedVolume volume = cluster.attach("a");
        long size = TestCluster.SIZE;
        cluster.<Void>await(done -> volume.write(3 * REGION, block(3), false, done));
        cluster.<Void>await(volume::flush); // settles region 3 out of the activity logs
        cluster.scheduler.advance(10 * MS);
        cluster.nodes.get("c").unreachable = true;
        assertThat(cluster.<Void>await(done -> volume.write(4 * REGION, block(4), false, done))).isInstanceOf(Outcome.Ok.class);
        assertThat(cluster.store.current.value().state("c")).isEqualTo(ReplicaState.OUT_OF_SYNC);

        assertThat(cluster.<Void>await(done -> volume.write(size, block(1), false, done))).as("past the end")
                .isInstanceOf(Outcome.Failed.class);
        assertThat(cluster.<Void>await(done -> volume.grow(3 * size, done))).isInstanceOf(Outcome.Ok.class);
        assertThat(volume.sizeBytes()).isEqualTo(3 * size);
        assertThat(cluster.store.current.value().sizeBytes()).isEqualTo(3 * size);
        for (String id : List.of("a", "b")) {
            TestCluster.Node node = cluster.nodes.get(id);
            assertThat(node.disk.sizeBytes()).as(id).isEqualTo(3 * size);
            assertThat(node.durable.sizeBytes()).as("%s metadata, durable", id).isEqualTo(3 * size);
            assertThat(node.durable.tracked().get("c").contains(4)).as("%s still tracks c's region 4", id).isTrue();
        }
        assertThat(cluster.nodes.get("c").disk.sizeBytes()).as("c was away").isEqualTo(size);

        long past = 2 * size + 5 * REGION;
        assertThat(cluster.<Void>await(done -> volume.write(past, block(9), false, done))).isInstanceOf(Outcome.Ok.class);
        assertThat(cluster.nodes.get("a").durable.tracked().get("c").contains((int) (past / REGION))).isTrue();
        cluster.nodes.get("c").unreachable = false;
        cluster.scheduler.advance(300 * MS);
        assertThat(cluster.store.current.value().state("c")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(volume.status().replicas().get(2).regionsToCopy()).as("regions 4 and the one past the old end").isEqualTo(2);
        for (String id : List.of("b", "c")) {
            assertThat(cluster.nodes.get(id).disk.bytes()).as(id).isEqualTo(cluster.nodes.get("a").disk.bytes());
        }
        ByteBuffer read = ((Outcome.Ok<ByteBuffer>) cluster.<ByteBuffer>await(done -> volume.read(past, 4096, done))).value();
        assertThat(read.get(0)).isEqualTo((byte) 9);
    }

    /**
     * A snapshot holds writes, waits for those in flight and is taken on every replica in sync, so their
     * snapshots hold the same bytes: a write submitted meanwhile lands after it. A replica that is out of
     * sync does not take it, and one that fails it is marked out of sync and left out of the holders.
     */
    @Test
    void aSnapshotIsTakenOnEveryReplicaInSyncBetweenTwoWrites() {
        TestCluster cluster = new TestCluster("a", "b", "c");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.<Void>await(done -> volume.write(2 * REGION, block(1), false, done));
        List<Outcome<Void>> inFlight = new ArrayList<>();
        volume.write(3 * REGION, block(2), false, inFlight::add); // not acknowledged yet: in the snapshot or not, but in all or none
        List<Outcome<List<String>>> taken = new ArrayList<>();
        volume.snapshot("s1", taken::add);
        List<Outcome<Void>> after = new ArrayList<>();
        volume.write(2 * REGION, block(3), false, after::add);
        cluster.scheduler.advance(20 * MS);
        assertThat(taken).singleElement().isEqualTo(Outcome.ok(List.of("a", "b", "c")));
        assertThat(inFlight).singleElement().isInstanceOf(Outcome.Ok.class);
        assertThat(after).singleElement().isInstanceOf(Outcome.Ok.class);
        byte[] reference = cluster.nodes.get("a").disk.snapshots.get("s1");
        assertThat(reference[2 * REGION]).as("the snapshot holds the write acknowledged before it").isEqualTo((byte) 1);
        for (TestCluster.Node node : cluster.nodes.values()) {
            assertThat(node.disk.snapshots.get("s1")).as("%s's snapshot is the others'", node.id).isEqualTo(reference);
            assertThat(node.disk.bytes()[2 * REGION]).as("%s holds the write after it", node.id).isEqualTo((byte) 3);
        }

        cluster.nodes.get("c").unreachable = true;
        List<Outcome<List<String>>> second = new ArrayList<>();
        volume.snapshot("s2", second::add);
        cluster.scheduler.advance(200 * MS);
        assertThat(second).singleElement().isEqualTo(Outcome.ok(List.of("a", "b")));
        assertThat(cluster.store.current.value().state("c")).isEqualTo(ReplicaState.OUT_OF_SYNC);
        assertThat(cluster.<List<String>>await(done -> volume.snapshot("s3", done))).isEqualTo(Outcome.ok(List.of("a", "b")));
        assertThat(cluster.nodes.get("c").disk.snapshots).containsOnlyKeys("s1");
    }

    /**
     * A revert brings every replica in sync that holds the snapshot back to it (the local one first, the
     * others after, recorded in sync again); a replica that was away is rebuilt in full from them.
     */
    @Test
    void aRevertBringsTheHoldersBackAndRebuildsTheReplicaThatWasAway() {
        TestCluster cluster = new TestCluster("a", "b", "c");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.<Void>await(done -> volume.write(2 * REGION, block(1), false, done));
        assertThat(cluster.<List<String>>await(done -> volume.snapshot("s1", done))).isEqualTo(Outcome.ok(List.of("a", "b", "c")));
        cluster.<Void>await(done -> volume.write(2 * REGION, block(2), false, done));
        cluster.nodes.get("c").unreachable = true;
        cluster.<Void>await(done -> volume.write(5 * REGION, block(5), false, done));
        assertThat(cluster.store.current.value().state("c")).isEqualTo(ReplicaState.OUT_OF_SYNC);

        List<Outcome<Void>> reverted = new ArrayList<>();
        volume.revert("s1", List.of("a", "b", "c"), reverted::add);
        List<Outcome<Void>> after = new ArrayList<>();
        volume.write(7 * REGION, block(7), false, after::add);
        cluster.scheduler.advance(50 * MS);
        assertThat(reverted).singleElement().isEqualTo(Outcome.done());
        assertThat(after).as("held by the revert, then written").singleElement().isInstanceOf(Outcome.Ok.class);
        assertThat(cluster.store.history.stream().anyMatch(record -> record.state("b") == ReplicaState.OUT_OF_SYNC))
                .as("b was out of sync while the others reverted").isTrue();
        assertThat(cluster.store.current.value().state("b")).isEqualTo(ReplicaState.IN_SYNC);
        for (String id : List.of("a", "b")) {
            byte[] bytes = cluster.nodes.get(id).disk.bytes();
            assertThat(bytes[2 * REGION]).as("%s reverted", id).isEqualTo((byte) 1);
            assertThat(bytes[5 * REGION]).as("%s reverted", id).isZero();
            assertThat(bytes[7 * REGION]).as("%s has the write after the revert", id).isEqualTo((byte) 7);
        }
        assertThat(cluster.nodes.get("a").durable.tracked()).as("no dirty map survives a revert: a takeover copies c in full")
                .doesNotContainKey("c");

        cluster.nodes.get("c").unreachable = false;
        cluster.scheduler.advance(500 * MS);
        assertThat(cluster.store.current.value().state("c")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(volume.status().replicas().get(2).regionsToCopy()).as("rebuilt in full").isEqualTo(16);
        assertThat(cluster.nodes.get("c").disk.bytes()).isEqualTo(cluster.nodes.get("a").disk.bytes());
        assertThat(cluster.<Void>await(done -> volume.revert("s9", List.of("d"), done))).as("no replica in sync holds it")
                .isInstanceOf(Outcome.Failed.class);
    }

    /** Writes submitted while a growth holds them go out after it, under the grown geometry; a shrink is refused. */
    @Test
    void writesHeldByAGrowthGoOutAfterItAndAShrinkIsRefused() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        long size = TestCluster.SIZE;
        cluster.nodes.get("b").unreachable = true; // b's growth (and so the whole growth) waits for b's answer or its deadline
        List<Outcome<Void>> grown = new ArrayList<>();
        volume.grow(2 * size, grown::add);
        List<Outcome<Void>> written = new ArrayList<>();
        volume.write(6 * REGION, block(6), false, written::add);
        List<Outcome<Void>> again = new ArrayList<>();
        volume.grow(4 * size, again::add);
        cluster.scheduler.advance(MS);
        assertThat(written).as("held by the growth").isEmpty();
        assertThat(again).singleElement().isInstanceOf(Outcome.Failed.class);
        cluster.scheduler.advance(200 * MS);
        assertThat(grown).singleElement().isInstanceOf(Outcome.Ok.class);
        assertThat(written).singleElement().isInstanceOf(Outcome.Ok.class);
        assertThat(cluster.store.current.value().state("b")).as("b failed its growth").isEqualTo(ReplicaState.OUT_OF_SYNC);
        assertThat(cluster.nodes.get("a").durable.tracked().get("b").contains(6)).isTrue();
        assertThat(cluster.<Void>await(done -> volume.grow(size, done))).isInstanceOf(Outcome.Failed.class);
        cluster.nodes.get("b").unreachable = false;
        cluster.scheduler.advance(300 * MS);
        assertThat(cluster.store.current.value().state("b")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(cluster.nodes.get("b").disk.bytes()).isEqualTo(cluster.nodes.get("a").disk.bytes());
    }

    @Test
    void aRestartedReplicaIsNeverTrustedWithItsOldSession() {
        TestCluster cluster = new TestCluster("a", "b");
        ReplicatedVolume volume = cluster.attach("a");
        cluster.nodes.get("b").start(); // b restarted (it may have lost unflushed writes)
        assertThat(cluster.<Void>await(done -> volume.write(0, block(2), false, done))).isInstanceOf(Outcome.Ok.class);
        assertThat(cluster.store.current.value().state("b")).isNotEqualTo(ReplicaState.IN_SYNC);
    }
}
