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
        replica = new ReplicaVolume("n1", "v", geometry, ReplicaMetadata.fresh(geometry), disk, saves, scheduler,
                ReplicationListener.NONE);
    }

    private long open(long epoch) {
        Result<Long> opened = new Result<>();
        replica.open(epoch, geometry.sizeBytes(), opened);
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        assertThat(opened.outcome).isInstanceOf(Outcome.Ok.class);
        return ((Outcome.Ok<Long>) opened.outcome).value();
    }

    @Test
    void anOpenAnswersOnlyOnceItsEpochIsDurable() {
        Result<Long> opened = new Result<>();
        replica.open(5, geometry.sizeBytes(), opened);
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
        replica.open(2, geometry.sizeBytes(), stale);
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
        ReplicaMetadata decoded = ReplicaMetadata.decode(saves.durable.encode(), geometry.sizeBytes());
        assertThat(decoded.epoch()).isEqualTo(9);
        assertThat(decoded.activity().contains(5)).isTrue();
        ReplicaVolume restarted = new ReplicaVolume("n1", "v", geometry, decoded, disk, saves, scheduler, ReplicationListener.NONE);
        Result<Long> stale = new Result<>();
        restarted.open(8, geometry.sizeBytes(), stale);
        scheduler.runDue();
        assertThat(stale.outcome).isEqualTo(new Outcome.StaleEpoch<>(9));
    }

    /** The copy grows first, the carried sets are saved second, and only then does the growth answer and a write past the old end go. */
    @Test
    void aGrowthAnswersOnceTheCopyAndItsCarriedMetadataAreDurable() {
        long session = open(2);
        replica.write(session, 2, 5 * REGION, ByteBuffer.allocate(100), false, new Result<>());
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        Result<Void> past = new Result<>();
        replica.write(session, 2, 1 << 20, ByteBuffer.allocate(100), false, past);
        scheduler.runDue();
        assertThat(past.outcome).isInstanceOf(Outcome.Failed.class);

        Result<Void> grown = new Result<>();
        replica.grow(session, 2, 3 << 20, grown);
        scheduler.runDue();
        assertThat(disk.sizeBytes()).as("the copy grew first").isEqualTo(3 << 20);
        assertThat(grown.outcome).as("waits for the save").isNull();
        assertThat(saves.durable.sizeBytes()).isEqualTo(1 << 20);
        saves.releaseAll();
        scheduler.runDue();
        assertThat(grown.outcome).isEqualTo(Outcome.done());
        assertThat(saves.durable.sizeBytes()).isEqualTo(3 << 20);
        assertThat(saves.durable.activity().regionCount()).isEqualTo(48);
        assertThat(saves.durable.activity().contains(5)).isTrue();

        Result<Void> written = new Result<>();
        replica.write(session, 2, (3 << 20) - 4096, ByteBuffer.allocate(4096), false, written);
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        assertThat(written.outcome).isEqualTo(Outcome.done());
        assertThat(saves.durable.activity().contains(47)).isTrue();
    }

    /**
     * A crash after the copy grew and before the carried metadata was saved leaves a larger copy and
     * metadata of the old size: the replica comes back with the old geometry, and the next open, which
     * names the new size, carries the sets then.
     */
    @Test
    void aCrashBetweenTheCopysGrowthAndTheSaveIsFinishedByTheNextOpen() {
        long session = open(2);
        replica.write(session, 2, 7 * REGION, ByteBuffer.allocate(100), false, new Result<>());
        scheduler.runDue();
        saves.releaseAll();
        scheduler.runDue();
        replica.grow(session, 2, 2 << 20, new Result<>());
        scheduler.runDue();
        saves.held.clear(); // the process dies: the save never lands
        ReplicaMetadata onDisk = ReplicaMetadata.decode(saves.durable.encode(), disk.sizeBytes());
        assertThat(onDisk.sizeBytes()).isEqualTo(1 << 20);
        ReplicaVolume restarted = new ReplicaVolume("n1", "v", onDisk.geometry(REGION), onDisk, disk, saves, scheduler,
                ReplicationListener.NONE);
        Result<Long> opened = new Result<>();
        restarted.open(3, 2 << 20, opened);
        for (int i = 0; i < 3; i++) {
            scheduler.runDue();
            saves.releaseAll();
        }
        scheduler.runDue();
        assertThat(opened.outcome).isInstanceOf(Outcome.Ok.class);
        assertThat(restarted.geometry().sizeBytes()).isEqualTo(2 << 20);
        assertThat(saves.durable.sizeBytes()).isEqualTo(2 << 20);
        assertThat(saves.durable.activity().contains(7)).isTrue();
        assertThat(saves.durable.epoch()).isEqualTo(3);
    }

    /** Metadata of the first format (no size) reads with the copy's size. */
    @Test
    void metadataOfTheFirstFormatIsStillRead() {
        ByteBuffer old = ByteBuffer.allocate(4 + 8 + 4 + 2 + 2 + 4);
        old.putInt(0x57524d31).putLong(6).putInt(16).put((byte) 0b100).put((byte) 0).putShort((short) 0);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(old.array(), 0, old.position());
        old.putInt((int) crc.getValue());
        ReplicaMetadata decoded = ReplicaMetadata.decode(old.array(), 16L * REGION);
        assertThat(decoded.sizeBytes()).isEqualTo(16L * REGION);
        assertThat(decoded.epoch()).isEqualTo(6);
        assertThat(decoded.activity().contains(2)).isTrue();
        assertThat(decoded.geometry(REGION).regionCount()).isEqualTo(16);
    }

    @Test
    void damagedMetadataIsRefused() {
        byte[] bytes = ReplicaMetadata.fresh(RegionGeometry.of(16L * REGION, REGION)).encode();
        bytes[9] ^= 1;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReplicaMetadata.decode(bytes, 16L * REGION))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
