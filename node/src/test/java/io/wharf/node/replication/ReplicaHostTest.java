package io.wharf.node.replication;

import static io.wharf.node.replication.OnLoop.await;
import static io.wharf.node.replication.OnLoop.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import io.wharf.replication.sync.replica.ReplicaVolume;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica host's life cycle of replicas and their metadata files, without sockets. */
class ReplicaHostTest {
    private static final long MIB = 1 << 20;
    private static final ReplicationConfig CONFIG = new ReplicationConfig(64 * 1024, 3_000_000_000L, 50_000_000L, 20, 0,
            200_000_000L, 4, 256, 0, 0);

    @TempDir
    Path directory;

    private Pool pool;
    private ReplicationLoop loop;
    private ReplicaHost host;

    @BeforeEach
    void start() throws Exception {
        pool = Pool.open(directory.resolve("pool"), PoolConfig.defaults());
        loop = new ReplicationLoop("host-test-loop");
        host = new ReplicaHost("node-b", pool, directory.resolve("replicas"), loop, CONFIG, ReplicationListener.NONE);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            host.close();
            loop.close();
        } finally {
            pool.close();
        }
    }

    private Outcome<ReplicaVolume> open(String volumeId, boolean create) throws Exception {
        return await(loop, done -> host.open(volumeId, MIB, create, done));
    }

    @Test
    void aMissingVolumeIsNotFoundUnlessCreatedAndEachReplicaIsMadeOnce() throws Exception {
        assertThat(open("vol-a", false)).isInstanceOfSatisfying(Outcome.Failed.class,
                failed -> assertThat(failed.code()).isEqualTo(ErrorCode.VOLUME_NOT_FOUND));
        assertThat(host.holds("vol-a")).isFalse();
        ReplicaVolume created = ok(open("vol-a", true));
        assertThat(pool.volume("vol-a")).isPresent();
        assertThat(ReplicaMetadata.decode(Files.readAllBytes(host.metadataFile("vol-a")), MIB))
                .isEqualTo(ReplicaMetadata.fresh(RegionGeometry.of(MIB, 64 * 1024)));
        assertThat(ok(open("vol-a", false))).isSameAs(created);
        assertThat(ok(open("vol-a", true))).isSameAs(created);
        assertThat(open("../etc", true)).isInstanceOfSatisfying(Outcome.Failed.class,
                failed -> assertThat(failed.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void forgetDropsTheReplicaAndItsFileAndCreateReplacesAStaleFile() throws Exception {
        ReplicaVolume first = ok(open("vol-a", true));
        assertThat(ok(OnLoop.<Long>await(loop, done -> first.open(9, MIB, done)))).isPositive();
        assertThat(ReplicaMetadata.decode(Files.readAllBytes(host.metadataFile("vol-a")), MIB).epoch()).isEqualTo(9);

        pool.delete("vol-a");
        host.forget("vol-a");
        assertThat(host.holds("vol-a")).isFalse();
        assertThat(host.metadataFile("vol-a")).doesNotExist();

        Files.write(host.metadataFile("vol-a"), new ReplicaMetadata(MIB, 12, io.wharf.replication.sync.RegionSet.empty(16),
                java.util.Map.of()).encode()); // a stale file, as a crash before the delete would leave
        ReplicaVolume second = ok(open("vol-a", true));
        assertThat(second).isNotSameAs(first);
        assertThat(second.epoch()).as("a new volume starts fresh").isZero();
    }

    /**
     * An open naming a larger size grows the pool's volume and the metadata; a copy that grew while
     * the save after it did not land (a crash in between) comes back with the metadata's geometry,
     * and its next open finishes the growth.
     */
    @Test
    void anOpenAtALargerSizeGrowsTheCopyAndARestartAfterAGrowthWithoutItsSaveFinishesIt() throws Exception {
        ReplicaVolume created = ok(open("vol-a", true));
        long session = ok(OnLoop.<Long>await(loop, done -> created.open(3, 4 * MIB, done)));
        assertThat(OnLoop.<Void>await(loop, done -> created.write(session, 3, 40 * 64 * 1024, java.nio.ByteBuffer.allocate(4096),
                false, done))).isEqualTo(Outcome.done());
        assertThat(pool.volume("vol-a").orElseThrow().sizeBytes()).isEqualTo(4 * MIB);
        ReplicaMetadata grown = ReplicaMetadata.decode(Files.readAllBytes(host.metadataFile("vol-a")), 1);
        assertThat(grown.sizeBytes()).isEqualTo(4 * MIB);
        assertThat(grown.activity().regionCount()).isEqualTo(64);
        assertThat(grown.activity().contains(40)).isTrue();

        host.close();
        pool.volume("vol-a").orElseThrow().resize(6 * MIB); // grown, and the process died before the metadata save
        host = new ReplicaHost("node-b", pool, directory.resolve("replicas"), loop, CONFIG, ReplicationListener.NONE);
        ReplicaVolume restarted = ok(open("vol-a", false));
        assertThat(restarted.geometry().sizeBytes()).as("the metadata's size").isEqualTo(4 * MIB);
        assertThat(ok(OnLoop.<Long>await(loop, done -> restarted.open(4, 6 * MIB, done)))).isPositive();
        ReplicaMetadata finished = ReplicaMetadata.decode(Files.readAllBytes(host.metadataFile("vol-a")), 1);
        assertThat(finished.sizeBytes()).isEqualTo(6 * MIB);
        assertThat(finished.activity().contains(40)).isTrue();
        assertThat(finished.epoch()).isEqualTo(4);
    }

    @Test
    void aDamagedMetadataFileIsRefusedNotGuessedAt() throws Exception {
        pool.create("vol-a", MIB);
        Files.write(host.metadataFile("vol-a"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22});
        assertThat(open("vol-a", false)).isInstanceOfSatisfying(Outcome.Failed.class, failed -> {
            assertThat(failed.code()).isEqualTo(ErrorCode.IO_ERROR);
            assertThat(failed.message()).contains("damaged");
        });
    }
}
