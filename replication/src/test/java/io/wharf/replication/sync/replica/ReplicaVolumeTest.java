package io.wharf.replication.sync.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.ManualScheduler;
import io.wharf.replication.sync.MemoryDisk;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicationListener;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The replica side: fencing, sessions, and metadata made durable before the data it covers. */
class ReplicaVolumeTest {
    private static final int REGION = 64 * 1024;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RegionGeometry geometry = RegionGeometry.of(1 << 20, REGION);
    private MemoryDisk disk;
    private HeldSaves saves;
    private ReplicaVolume replica;

    /** Metadata saves that complete only when the test releases them; what is durable is the last one released. */
    static final class HeldSaves implements ReplicaStateStore {
        final List<Runnable> held = new ArrayList<>();
        ReplicaMetadata durable;

        @Override
        public void save(ReplicaMetadata metadata, Completion<Void> done) {
            held.add(() -> {
                durable = metadata;
                done.complete(Outcome.done());
            });
        }

        void releaseAll() {
            List<Runnable> now = List.copyOf(held);
            held.clear();
            now.forEach(Runnable::run);
        }
    }

    static final class Result<T> implements Completion<T> {
        Outcome<T> outcome;

        @Override
        public void complete(Outcome<T> answer) {
            outcome = answer;
        }
    }

    @BeforeEach
    void setUp() {
        disk = new MemoryDisk(1 << 20, scheduler);
        saves = new HeldSaves();
        replica = new ReplicaVolume("n1", "v", geometry, ReplicaMetadata.fresh(geometry.regionCount()), disk, saves, scheduler,
                ReplicationListener.NONE);
    }

    private long open(long epoch) {
        Result<Long> opened = new Result<>();
        replica.open(epoch, opened);
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        assertThat(opened.outcome).isInstanceOf(Outcome.Ok.class);
        return ((Outcome.Ok<Long>) opened.outcome).value();
    }

    @Test
    void anOpenAnswersOnlyOnceItsEpochIsDurable() {
        Result<Long> opened = new Result<>();
        replica.open(5, opened);
        scheduler.runDue();
        assertThat(opened.outcome).as("waits for the save").isNull();
        assertThat(replica.epoch()).as("refuses lower epochs already").isEqualTo(5);
        saves.releaseAll();
        scheduler.runDue();
        assertThat(opened.outcome).isInstanceOf(Outcome.Ok.class);
        assertThat(saves.durable.epoch()).isEqualTo(5);
    }

    @Test
    void lowerEpochsAreRefusedAndAnOldSessionIsFenced() {
        long old = open(3);
        open(4);
        Result<Long> stale = new Result<>();
        replica.open(2, stale);
        Result<Void> write = new Result<>();
        replica.write(old, 3, 0, ByteBuffer.allocate(4096), false, write);
        scheduler.runDue();
        assertThat(stale.outcome).isEqualTo(new Outcome.StaleEpoch<>(4));
        assertThat(write.outcome).isEqualTo(new Outcome.StaleEpoch<>(4));
        assertThat(disk.writes).isZero();
    }

    @Test
    void aNewOpenSupersedesEarlierSessionsOfTheSameEpoch() {
        long first = open(7);
        long second = open(7);
        Result<Void> write = new Result<>();
        replica.write(first, 7, 0, ByteBuffer.allocate(4096), false, write);
        scheduler.runDue();
        assertThat(write.outcome).isInstanceOf(Outcome.Failed.class);
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void aWriteReachesStorageOnlyAfterItsRegionsAreDurableInTheActivityLogAndDirtyMaps() {
        long session = open(1);
        Result<Void> track = new Result<>();
        replica.track(session, 1, "n2", geometry.emptySet(), track);
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        assertThat(track.outcome).isInstanceOf(Outcome.Ok.class);

        Result<Void> write = new Result<>();
        replica.write(session, 1, 3 * REGION + 10, ByteBuffer.allocate(REGION), false, write); // regions 3 and 4
        scheduler.runDue();
        assertThat(disk.writes).as("not before the save").isZero();
        saves.releaseAll();
        scheduler.runDue();
        assertThat(disk.writes).isEqualTo(1);
        assertThat(write.outcome).isInstanceOf(Outcome.Ok.class);
        assertThat(saves.durable.activity().contains(3) && saves.durable.activity().contains(4)).isTrue();
        assertThat(saves.durable.tracked().get("n2").contains(4)).isTrue();

        Result<Void> again = new Result<>();
        replica.write(session, 1, 3 * REGION, ByteBuffer.allocate(4096), false, again);
        scheduler.runDue();
        assertThat(again.outcome).as("a logged region needs no save").isInstanceOf(Outcome.Ok.class);
    }

    @Test
    void regionSetsAreReportedSettledAndUntracked() {
        long session = open(2);
        RegionSet some = geometry.emptySet();
        some.add(7);
        replica.track(session, 2, "n3", some, new Result<>());
        Result<Void> write = new Result<>();
        replica.write(session, 2, 0, ByteBuffer.allocate(4096), false, write);
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        Result<Optional<RegionSet>> activity = new Result<>();
        replica.regions(session, 2, RegionLog.ACTIVITY, null, activity);
        Result<Optional<RegionSet>> dirty = new Result<>();
        replica.regions(session, 2, RegionLog.DIRTY, "n3", dirty);
        Result<Optional<RegionSet>> none = new Result<>();
        replica.regions(session, 2, RegionLog.DIRTY, "n9", none);
        scheduler.runDue();
        assertThat(((Outcome.Ok<Optional<RegionSet>>) activity.outcome).value().orElseThrow().contains(0)).isTrue();
        RegionSet expected = geometry.emptySet();
        expected.add(0);
        expected.add(7);
        assertThat(((Outcome.Ok<Optional<RegionSet>>) dirty.outcome).value()).contains(expected);
        assertThat(((Outcome.Ok<Optional<RegionSet>>) none.outcome).value()).isEmpty();

        replica.settle(session, 2, geometry.regions(0, 1), new Result<>());
        replica.untrack(session, 2, "n3", new Result<>());
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        assertThat(replica.metadata().activity().isEmpty()).isTrue();
        assertThat(replica.metadata().tracked()).isEmpty();
    }

    @Test
    void aRestartComesBackWithWhatWasDurable() {
        long session = open(9);
        replica.write(session, 9, 5 * REGION, ByteBuffer.allocate(100), false, new Result<>());
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        ReplicaMetadata decoded = ReplicaMetadata.decode(saves.durable.encode());
        assertThat(decoded.epoch()).isEqualTo(9);
        assertThat(decoded.activity().contains(5)).isTrue();
        ReplicaVolume restarted = new ReplicaVolume("n1", "v", geometry, decoded, disk, saves, scheduler, ReplicationListener.NONE);
        Result<Long> stale = new Result<>();
        restarted.open(8, stale);
        scheduler.runDue();
        assertThat(stale.outcome).isEqualTo(new Outcome.StaleEpoch<>(9));
    }

    @Test
    void damagedMetadataIsRefused() {
        byte[] bytes = ReplicaMetadata.fresh(16).encode();
        bytes[9] ^= 1;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplicaMetadata.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
