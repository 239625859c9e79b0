package io.wharf.storage;

import static io.wharf.storage.PoolTest.expectCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changed blocks between snapshots: exactly the blocks written or trimmed in between, whatever happened to the chain. */
class ChangedBlocksTest {
    private static final int BLOCK = 4096;
    private static final long SIZE = 32L << 20; // 8192 blocks: 8 map pages

    @TempDir
    Path directory;

    private Pool open() throws IOException {
        return Pool.open(directory.resolve("pool"), PoolConfig.defaults(), LayerOptions.DEFAULTS.withJournalBytes(64 * 1024));
    }

    /** The changed runs as a set of blocks; also checks the runs tile the snapshot exactly. */
    private static BitSet changed(Pool pool, String base, String snapshot, long sizeBytes) throws IOException {
        BitSet blocks = new BitSet();
        long[] at = {0};
        pool.changedBlocks("v", base, snapshot, (length, changed) -> {
            assertThat(length).isPositive();
            assertThat(length % BLOCK).isZero();
            if (changed) {
                blocks.set((int) (at[0] / BLOCK), (int) ((at[0] + length) / BLOCK));
            }
            at[0] += length;
            return true;
        });
        assertThat(at[0]).as("runs cover the snapshot").isEqualTo(sizeBytes);
        return blocks;
    }

    /** Compares block sets, naming the first differences instead of printing thousands of blocks. */
    private static void assertBlocks(BitSet actual, BitSet expected, String what) {
        BitSet missing = (BitSet) expected.clone();
        missing.andNot(actual);
        BitSet extra = (BitSet) actual.clone();
        extra.andNot(expected);
        assertThat(missing.isEmpty() && extra.isEmpty()).as("%s: %d blocks reported, %d expected; missing %s; extra %s", what,
                actual.cardinality(), expected.cardinality(), missing.stream().limit(10).boxed().toList(),
                extra.stream().limit(10).boxed().toList()).isTrue();
    }

    /** Writes (and with {@code trims}, now and then trims) random runs; marks every block touched. */
    private static void touch(Volume volume, BitSet touched, Random random, int operations, boolean trims) throws IOException {
        for (int i = 0; i < operations; i++) {
            int block = random.nextInt((int) (SIZE / BLOCK));
            int count = 1 + random.nextInt(random.nextInt(10) == 0 ? 3000 : 4); // now and then a run across map pages
            count = Math.min(count, (int) (SIZE / BLOCK) - block);
            if (trims && random.nextInt(5) == 0) {
                volume.trim((long) block * BLOCK, (long) count * BLOCK);
            } else {
                byte[] data = new byte[count * BLOCK];
                random.nextBytes(data);
                volume.write((long) block * BLOCK, ByteBuffer.wrap(data));
            }
            touched.set(block, block + count);
        }
    }

    /** Blocks whose bytes differ between two snapshots (null: an empty volume). */
    private static BitSet differing(Pool pool, String base, String snapshot) throws IOException {
        byte[] before = base == null ? new byte[(int) SIZE] : SnapshotTest.readSnapshot(pool, "v", base);
        byte[] after = SnapshotTest.readSnapshot(pool, "v", snapshot);
        BitSet blocks = new BitSet();
        for (int block = 0; block < SIZE / BLOCK; block++) {
            int from = block * BLOCK;
            if (!java.util.Arrays.equals(before, from, from + BLOCK, after, from, from + BLOCK)) {
                blocks.set(block);
            }
        }
        return blocks;
    }

    /** Every block that differs is reported, and only blocks that were touched. */
    private static void assertCovers(Pool pool, String base, String snapshot, BitSet touched) throws IOException {
        BitSet reported = changed(pool, base, snapshot, SIZE);
        BitSet differs = differing(pool, base, snapshot);
        BitSet uncovered = (BitSet) differs.clone();
        uncovered.andNot(reported);
        BitSet spurious = (BitSet) reported.clone();
        spurious.andNot(touched);
        assertThat(uncovered.isEmpty() && spurious.isEmpty()).as("%s to %s: %d reported, %d differ, %d touched; uncovered %s; spurious %s",
                base, snapshot, reported.cardinality(), differs.cardinality(), touched.cardinality(),
                uncovered.stream().limit(10).boxed().toList(), spurious.stream().limit(10).boxed().toList()).isTrue();
    }

    @Test
    void changedBlocksAreExactlyTheWrittenOnesAndCoverEveryDifferenceAcrossTrimsAndDeletedSnapshots() throws IOException {
        Random random = new Random(42);
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            BitSet first = new BitSet();
            touch(volume, first, random, 200, false);
            pool.snapshot("v", "s1");
            BitSet second = new BitSet();
            touch(volume, second, random, 100, false);
            pool.snapshot("v", "s2");
            BitSet third = new BitSet();
            touch(volume, third, random, 100, true);
            pool.snapshot("v", "s3");
            touch(volume, new BitSet(), random, 50, true); // after s3: never counted

            assertBlocks(changed(pool, null, "s1", SIZE), first, "s1 from nothing"); // writes only: exactly those
            assertBlocks(changed(pool, "s1", "s2", SIZE), second, "s1 to s2");
            BitSet secondAndThird = (BitSet) second.clone();
            secondAndThird.or(third);
            assertCovers(pool, "s1", "s3", secondAndThird);
            BitSet before = changed(pool, "s1", "s3", SIZE);

            pool.deleteSnapshot("v", "s2"); // its layer merges into s3's: the union stays
            assertBlocks(changed(pool, "s1", "s3", SIZE), before, "s1 to s3 after deleting s2");
            assertCovers(pool, "s1", "s3", secondAndThird);
            BitSet all = (BitSet) first.clone();
            all.or(secondAndThird);
            assertCovers(pool, null, "s3", all);
        }
        try (Pool pool = open()) { // the maps come from disk after a reopen
            assertThat(changed(pool, "s1", "s3", SIZE).isEmpty()).isFalse();
        }
    }

    @Test
    void aBaseOutsideTheHistoryOrMissingIsRefused() throws IOException {
        try (Pool pool = open()) {
            Volume volume = pool.create("v", SIZE);
            volume.write(0, ByteBuffer.wrap(new byte[BLOCK]));
            pool.snapshot("v", "s1");
            volume.write(BLOCK, ByteBuffer.wrap(new byte[BLOCK]));
            pool.snapshot("v", "s2");
            pool.revert("v", "s1");
            volume.write(2 * BLOCK, ByteBuffer.wrap(new byte[BLOCK]));
            pool.snapshot("v", "s3"); // on another branch than s2

            expectCode(() -> pool.changedBlocks("v", "s2", "s3", (l, c) -> true), ErrorCode.INVALID_ARGUMENT);
            expectCode(() -> pool.changedBlocks("v", "s3", "s3", (l, c) -> true), ErrorCode.INVALID_ARGUMENT);
            expectCode(() -> pool.changedBlocks("v", "gone", "s3", (l, c) -> true), ErrorCode.NOT_FOUND);
            expectCode(() -> pool.changedBlocks("v", null, "gone", (l, c) -> true), ErrorCode.NOT_FOUND);
            expectCode(() -> pool.changedBlocks("nope", null, "s1", (l, c) -> true), ErrorCode.VOLUME_NOT_FOUND);
            BitSet expected = new BitSet();
            expected.set(2);
            assertBlocks(changed(pool, "s1", "s3", SIZE), expected, "across a revert");
        }
    }
}
