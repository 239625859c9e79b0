package io.wharf.storage;

import static io.wharf.storage.PoolTest.expectCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots, views, revert, delete snapshot, clones: exact content, reopen, space. */
class SnapshotTest {
    private static final int BLOCK = 4096;
    private static final long SIZE = 1024 * 1024;

    @TempDir
    Path directory;

    private Pool open() throws IOException {
        return Pool.open(directory.resolve("pool"), PoolConfig.defaults(), LayerOptions.DEFAULTS.withJournalBytes(16 * 1024));
    }

    static byte[] read(Volume volume) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) volume.sizeBytes());
        volume.read(0, buffer);
        return buffer.array();
    }

    static byte[] readSnapshot(Pool pool, String volumeId, String snapshotId) throws IOException {
        try (SnapshotVolume view = pool.openSnapshot(volumeId, snapshotId)) {
            return read(view);
        }
    }

    private static void write(Volume volume, byte[] image, long offset, int length, int seed) throws IOException {
        byte[] data = VolumeIoTest.pattern(length, seed);
        volume.write(offset, ByteBuffer.wrap(data));
        System.arraycopy(data, 0, image, (int) offset, length);
    }

    @Test
    void snapshotKeepsItsDataWhileTheVolumeChanges() throws IOException {
        byte[] image = new byte[(int) SIZE];
        byte[] atS1;
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            write(volume, image, 0, 64 * BLOCK, 1);
            write(volume, image, 100, 3000, 2); // partial blocks too
            SnapshotInfo s1 = pool.snapshot("v", "s1");
            assertThat(s1.order()).isEqualTo(1);
            atS1 = image.clone();
            write(volume, image, 10 * BLOCK, 20 * BLOCK, 3);
            write(volume, image, 5, 10, 4);
            assertThat(read(volume)).isEqualTo(image);
            assertThat(readSnapshot(pool, "v", "s1")).isEqualTo(atS1);
            volume.flush();
        }
        try (Pool pool = open()) {
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
            assertThat(readSnapshot(pool, "v", "s1")).isEqualTo(atS1);
            assertThat(pool.snapshots("v")).extracting(SnapshotInfo::id).containsExactly("s1");
        }
    }

    @Test
    void viewsAreReadOnlyAndNamesAreChecked() throws IOException {
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            pool.snapshot("v", "s1");
            try (SnapshotVolume view = pool.openSnapshot("v", "s1")) {
                expectCode(() -> view.write(0, ByteBuffer.allocate(BLOCK)), ErrorCode.INVALID_ARGUMENT);
                expectCode(() -> view.trim(0, BLOCK), ErrorCode.INVALID_ARGUMENT);
                expectCode(() -> view.writeZeroes(0, BLOCK, false), ErrorCode.INVALID_ARGUMENT);
                expectCode(() -> view.resize(2 * SIZE), ErrorCode.INVALID_ARGUMENT);
                view.flush();
            }
            expectCode(() -> pool.snapshot("v", "s1"), ErrorCode.VOLUME_EXISTS);
            expectCode(() -> pool.snapshot("v", "Bad Name"), ErrorCode.INVALID_NAME);
            expectCode(() -> pool.snapshot("nope", "s2"), ErrorCode.VOLUME_NOT_FOUND);
            expectCode(() -> pool.openSnapshot("v", "s9"), ErrorCode.NOT_FOUND);
            expectCode(() -> pool.revert("v", "s9"), ErrorCode.NOT_FOUND);
            expectCode(() -> pool.deleteSnapshot("v", "s9"), ErrorCode.NOT_FOUND);
            expectCode(() -> pool.clone("v", "s9", "c"), ErrorCode.NOT_FOUND);
            expectCode(() -> pool.clone("v", "s1", "v"), ErrorCode.VOLUME_EXISTS);
            volume.write(0, ByteBuffer.allocate(BLOCK));
        }
    }

    @Test
    void trimAboveASnapshotReadsZerosWhileTheSnapshotKeepsItsData() throws IOException {
        byte[] image = new byte[(int) SIZE];
        byte[] atS1;
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            write(volume, image, 0, (int) SIZE, 7);
            pool.snapshot("v", "s1");
            atS1 = image.clone();
            volume.trim(BLOCK, 10 * BLOCK);
            volume.writeZeroes(20 * BLOCK + 100, 5000, true);
            volume.writeZeroes(40 * BLOCK, 2 * BLOCK, false);
            java.util.Arrays.fill(image, BLOCK, 11 * BLOCK, (byte) 0);
            java.util.Arrays.fill(image, 20 * BLOCK + 100, 20 * BLOCK + 5100, (byte) 0);
            java.util.Arrays.fill(image, 40 * BLOCK, 42 * BLOCK, (byte) 0);
            assertThat(read(volume)).isEqualTo(image);
            assertThat(readSnapshot(pool, "v", "s1")).isEqualTo(atS1);
            boolean[] allocatedAt1 = new boolean[1];
            volume.extents(BLOCK, BLOCK, (length, allocated) -> {
                allocatedAt1[0] = allocated;
                return false;
            });
            assertThat(allocatedAt1[0]).isFalse();
            volume.flush();
        }
        try (Pool pool = open()) {
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
            assertThat(readSnapshot(pool, "v", "s1")).isEqualTo(atS1);
            pool.deleteSnapshot("v", "s1"); // the head's ZERO markers must keep covering s1's data
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
        }
        try (Pool pool = open()) {
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
        }
    }

    @Test
    void deletingAMiddleSnapshotKeepsBothNeighboursAndGivesSpaceBack() throws IOException {
        byte[] image = new byte[(int) SIZE];
        byte[][] at = new byte[4][];
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            for (int s = 1; s <= 3; s++) {
                write(volume, image, (long) s * 8 * BLOCK, 16 * BLOCK, 10 + s); // overlaps the previous one
                volume.trim((long) (s * 8 + 20) * BLOCK, BLOCK);
                java.util.Arrays.fill(image, (s * 8 + 20) * BLOCK, (s * 8 + 21) * BLOCK, (byte) 0);
                pool.snapshot("v", "s" + s);
                at[s] = image.clone();
            }
            write(volume, image, 30 * BLOCK, 4 * BLOCK, 20);
            long filesBefore = layerFiles();
            pool.deleteSnapshot("v", "s2");
            assertThat(layerFiles()).isEqualTo(filesBefore - 1);
            assertThat(readSnapshot(pool, "v", "s1")).isEqualTo(at[1]);
            assertThat(readSnapshot(pool, "v", "s3")).isEqualTo(at[3]);
            assertThat(read(volume)).isEqualTo(image);
            pool.deleteSnapshot("v", "s1"); // the base: merged into s3's layer
            assertThat(readSnapshot(pool, "v", "s3")).isEqualTo(at[3]);
            assertThat(read(volume)).isEqualTo(image);
            volume.flush();
        }
        try (Pool pool = open()) {
            assertThat(pool.snapshots("v")).extracting(SnapshotInfo::id).containsExactly("s3");
            assertThat(readSnapshot(pool, "v", "s3")).isEqualTo(at[3]);
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
            pool.deleteSnapshot("v", "s3"); // merged into the head
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
            assertThat(layerFiles()).isEqualTo(1);
        }
        try (Pool pool = open()) {
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(image);
        }
    }

    @Test
    void revertThenSnapshotThenRollForward() throws IOException {
        byte[] image = new byte[(int) SIZE];
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            write(volume, image, 0, 32 * BLOCK, 1);
            pool.snapshot("v", "s1");
            byte[] at1 = image.clone();
            write(volume, image, 16 * BLOCK, 32 * BLOCK, 2);
            pool.snapshot("v", "s2");
            byte[] at2 = image.clone();
            write(volume, image, 0, BLOCK, 3); // discarded by the revert
            pool.revert("v", "s1");
            assertThat(read(volume)).isEqualTo(at1);
            image = at1.clone();
            write(volume, image, 100 * BLOCK, 8 * BLOCK, 4);
            pool.snapshot("v", "s3");
            byte[] at3 = image.clone();
            pool.revert("v", "s2"); // roll forward
            assertThat(read(volume)).isEqualTo(at2);
            assertThat(readSnapshot(pool, "v", "s3")).isEqualTo(at3);
            pool.revert("v", "s3");
            assertThat(read(volume)).isEqualTo(at3);
            pool.deleteSnapshot("v", "s1"); // has two children now: only the name goes
            assertThat(readSnapshot(pool, "v", "s2")).isEqualTo(at2);
            assertThat(read(volume)).isEqualTo(at3);
            pool.revert("v", "s2");
            pool.deleteSnapshot("v", "s3"); // a leaf: its layer goes
            assertThat(read(volume)).isEqualTo(at2);
        }
        try (Pool pool = open()) {
            assertThat(pool.snapshots("v")).extracting(SnapshotInfo::id).containsExactly("s2");
            assertThat(read(pool.volume("v").orElseThrow())).isEqualTo(readSnapshot(pool, "v", "s2"));
        }
    }

    @Test
    void clonesAreIndependentAndSurviveTheirSources() throws IOException {
        byte[] image = new byte[(int) SIZE];
        byte[] cloneImage;
        byte[] clone2Image;
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            write(volume, image, 0, 64 * BLOCK, 1);
            pool.snapshot("v", "s1");
            byte[] at1 = image.clone();
            write(volume, image, 0, 8 * BLOCK, 2);
            Volume clone = pool.clone("v", "s1", "c1");
            assertThat(clone.allocatedBytes()).isZero();
            assertThat(read(clone)).isEqualTo(at1);
            cloneImage = at1.clone();
            write(clone, cloneImage, 32 * BLOCK, 8 * BLOCK, 3);
            assertThat(read(volume)).isEqualTo(image);
            Volume clone2 = pool.clone("c1", null, "c2"); // clone of a clone, current state
            clone2Image = cloneImage.clone();
            write(clone2, clone2Image, 200 * BLOCK, BLOCK, 4);
            write(clone, cloneImage, 201 * BLOCK, BLOCK, 5);
            assertThat(read(clone2)).isEqualTo(clone2Image);
            assertThat(read(clone)).isEqualTo(cloneImage);
            pool.deleteSnapshot("v", "s1");
            pool.delete("v");
            pool.delete("c1");
            assertThat(read(clone2)).isEqualTo(clone2Image);
            clone2.flush();
        }
        try (Pool pool = open()) {
            assertThat(pool.volumeIds()).containsExactly("c2");
            assertThat(read(pool.volume("c2").orElseThrow())).isEqualTo(clone2Image);
            pool.delete("c2");
        }
        try (Pool pool = open()) {
            assertThat(layerFiles()).isZero();
        }
    }

    @Test
    void spaceAccounting() throws IOException {
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            volume.write(0, ByteBuffer.wrap(VolumeIoTest.pattern(10 * BLOCK, 1)));
            pool.snapshot("v", "s1");
            volume.write(0, ByteBuffer.wrap(VolumeIoTest.pattern(4 * BLOCK, 2))); // shadows 4 blocks of s1
            volume.trim(9 * BLOCK, BLOCK); // ZERO marker shadows one more
            SnapshotInfo s1 = pool.snapshots("v").getFirst();
            assertThat(s1.layerBytes()).isEqualTo(10L * BLOCK);
            assertThat(s1.exclusiveBytes()).isEqualTo(5L * BLOCK);
            assertThat(volume.allocatedBytes()).isEqualTo(14L * BLOCK);
            assertThat(pool.usage().usedBytes()).isEqualTo(14L * BLOCK);
            VolumeSpace space = pool.space("v");
            assertThat(space.headBytes()).isEqualTo(4L * BLOCK); // the trim's zero marker holds no data
            assertThat(space.snapshotExclusiveBytes()).isEqualTo(5L * BLOCK);
            assertThat(space.sharedBytes()).isEqualTo(5L * BLOCK); // blocks 4-8 of s1, still read by the head
            pool.snapshot("v", "s2");
            List<SnapshotInfo> infos = pool.snapshots("v");
            // s2's 4 blocks would move into the (empty) head, not go away
            assertThat(infos.get(1).exclusiveBytes()).isZero();
            pool.clone("v", "s1", "c");
            assertThat(pool.snapshots("v").getFirst().shared()).isTrue();
            assertThat(pool.snapshots("v").getFirst().exclusiveBytes()).isZero();
            assertThat(pool.usage().usedBytes()).isEqualTo(14L * BLOCK); // shared counted once
            space = pool.space("v");
            assertThat(space.headBytes()).isZero();
            assertThat(space.snapshotExclusiveBytes()).isZero();
            assertThat(space.sharedBytes()).isEqualTo(14L * BLOCK); // s1 with the clone, s2 with the head
            assertThat(pool.space("c").sharedBytes()).isEqualTo(10L * BLOCK); // the clone reads s1
            pool.deleteSnapshot("v", "s2"); // merged into the empty head: nothing freed
            assertThat(volume.allocatedBytes()).isEqualTo(4L * BLOCK);
            assertThat(pool.usage().usedBytes()).isEqualTo(14L * BLOCK);
            pool.delete("c");
            assertThat(pool.snapshots("v").getFirst().shared()).isFalse(); // no other volume lists it now
            assertThat(pool.snapshots("v").getFirst().exclusiveBytes()).isEqualTo(5L * BLOCK);
            pool.deleteSnapshot("v", "s1"); // merged into the head: blocks 4-8 move, 0-3 and 9 are freed
            assertThat(volume.allocatedBytes()).isEqualTo(9L * BLOCK);
            assertThat(pool.usage().usedBytes()).isEqualTo(9L * BLOCK);
            byte[] expected = new byte[(int) SIZE];
            System.arraycopy(VolumeIoTest.pattern(10 * BLOCK, 1), 0, expected, 0, 10 * BLOCK);
            System.arraycopy(VolumeIoTest.pattern(4 * BLOCK, 2), 0, expected, 0, 4 * BLOCK);
            java.util.Arrays.fill(expected, 9 * BLOCK, 10 * BLOCK, (byte) 0);
            assertThat(read(volume)).isEqualTo(expected);
            assertThat(layerFiles()).isEqualTo(1);
        }
    }

    @Test
    void manySnapshotsReadThroughOneIndexAndTheLimitIsEnforced() throws IOException {
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            int count = ChainVolume.MAX_SNAPSHOTS;
            for (int s = 0; s < count; s++) {
                volume.write((long) (s % 256) * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(BLOCK, s)));
                pool.snapshot("v", "s" + s);
            }
            expectCode(() -> pool.snapshot("v", "one-more"), ErrorCode.INVALID_ARGUMENT);
            assertThat(readSnapshot(pool, "v", "s300")).startsWith(VolumeIoTest.pattern(BLOCK, 256));
            for (int s = 500; s < 508; s += 2) {
                pool.deleteSnapshot("v", "s" + s);
            }
            pool.snapshot("v", "again");
        }
        try (Pool pool = open()) {
            assertThat(pool.snapshots("v")).hasSize(ChainVolume.MAX_SNAPSHOTS - 4 + 1);
            byte[] image = read(pool.volume("v").orElseThrow());
            for (int b = 0; b < 256; b++) {
                byte[] block = java.util.Arrays.copyOfRange(image, b * BLOCK, (b + 1) * BLOCK);
                assertThat(block).isEqualTo(VolumeIoTest.pattern(BLOCK, 768 + b));
            }
        }
    }

    @Test
    void snapshotsUnderConcurrentWritesHoldEveryWriteCompletedBeforeThem() throws Exception {
        int threads = 3;
        int blocksPerThread = 32;
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            java.util.concurrent.atomic.AtomicLong[] completed = new java.util.concurrent.atomic.AtomicLong[threads];
            java.util.concurrent.atomic.AtomicLong[] started = new java.util.concurrent.atomic.AtomicLong[threads];
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> writers = new java.util.ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                completed[t] = new java.util.concurrent.atomic.AtomicLong();
                started[t] = new java.util.concurrent.atomic.AtomicLong();
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (long round = 1; !stop.get(); round++) {
                            started[thread].set(round);
                            for (int b = 0; b < blocksPerThread; b++) {
                                volume.write((long) (thread * blocksPerThread + b) * BLOCK, ByteBuffer.wrap(block(thread, round)));
                            }
                            completed[thread].set(round);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            try {
                for (int s = 0; s < 12; s++) {
                    long[] before = new long[threads];
                    for (int t = 0; t < threads; t++) {
                        before[t] = completed[t].get();
                    }
                    pool.snapshot("v", "s" + s);
                    long[] after = new long[threads];
                    for (int t = 0; t < threads; t++) {
                        after[t] = started[t].get();
                    }
                    byte[] content = readSnapshot(pool, "v", "s" + s);
                    for (int t = 0; t < threads; t++) {
                        for (int b = 0; b < blocksPerThread; b++) {
                            int at = (t * blocksPerThread + b) * BLOCK;
                            long round = ByteBuffer.wrap(content, at, 8).getLong();
                            assertThat(round).as("snapshot s" + s + " thread " + t + " block " + b)
                                    .isBetween(before[t], after[t]);
                            if (round > 0) {
                                assertThat(java.util.Arrays.copyOfRange(content, at, at + BLOCK)).isEqualTo(block(t, round));
                            }
                        }
                    }
                    if (s % 4 == 3) {
                        pool.deleteSnapshot("v", "s" + (s - 2)); // merges while the writers run
                    }
                }
            } finally {
                stop.set(true);
                for (Thread writer : writers) {
                    writer.join();
                }
            }
            assertThat(failures).isEmpty();
            byte[] content = read(volume);
            for (int t = 0; t < threads; t++) {
                for (int b = 0; b < blocksPerThread; b++) {
                    int at = (t * blocksPerThread + b) * BLOCK;
                    long round = ByteBuffer.wrap(content, at, 8).getLong();
                    assertThat(round).isBetween(completed[t].get(), started[t].get());
                }
            }
        }
    }

    /** A whole block tagged with its round in the first 8 bytes. */
    private static byte[] block(int thread, long round) {
        byte[] data = VolumeIoTest.pattern(BLOCK, (int) (thread * 1_000_003 + round));
        ByteBuffer.wrap(data).putLong(round);
        return data;
    }

    private long layerFiles() throws IOException {
        try (Stream<Path> files = Files.walk(directory.resolve("pool"))) {
            return files.filter(p -> p.toString().endsWith(".layer")).count();
        }
    }
}
