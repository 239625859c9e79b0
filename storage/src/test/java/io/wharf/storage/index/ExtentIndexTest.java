package io.wharf.storage.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExtentIndexTest {
    private static final long TIB_BLOCKS = (1L << 40) / 4096;

    @Test
    void emptyHugeIndexCostsNothingAndReadsNone() {
        ExtentIndex index = new ExtentIndex(10 * TIB_BLOCKS);
        assertThat(index.chunkBytes()).isZero();
        assertThat(index.get(0)).isEqualTo(BlockEntry.NONE);
        assertThat(index.get(10 * TIB_BLOCKS - 1)).isEqualTo(BlockEntry.NONE);
        assertThat(index.nextAllocatedChunkStart(0, index.blockCount())).isEqualTo(index.blockCount());
        index.set(5 * TIB_BLOCKS, BlockEntry.NONE); // setting NONE allocates nothing
        assertThat(index.chunkBytes()).isZero();
    }

    @Test
    void fullyWrittenTenGibCostsFiveMib() {
        long blocks = (10L << 30) / 4096;
        ExtentIndex index = new ExtentIndex(blocks);
        int entry = BlockEntry.of(1, false, BlockEntry.DURABLE);
        for (long b = 0; b < blocks; b++) {
            index.set(b, entry);
        }
        assertThat(index.chunkBytes()).isEqualTo(5L << 20);
        assertThat(index.get(blocks - 1)).isEqualTo(entry);
    }

    @Test
    void entriesSurviveGrowthAndEncodeTheirFields() {
        ExtentIndex index = new ExtentIndex(1000);
        int zeroMarker = BlockEntry.of(7, true, BlockEntry.UNCONFIRMED);
        index.set(999, zeroMarker);
        index.grow(3 * TIB_BLOCKS);
        index.set(3 * TIB_BLOCKS - 1, BlockEntry.of(4095, false, BlockEntry.DIRTY));
        assertThat(index.get(999)).isEqualTo(zeroMarker);
        assertThat(BlockEntry.ordinal(zeroMarker)).isEqualTo(7);
        assertThat(BlockEntry.zero(zeroMarker)).isTrue();
        assertThat(BlockEntry.durability(zeroMarker)).isEqualTo(BlockEntry.UNCONFIRMED);
        assertThat(BlockEntry.dataSource(zeroMarker)).isZero();
        int data = index.get(3 * TIB_BLOCKS - 1);
        assertThat(BlockEntry.ordinal(data)).isEqualTo(4095);
        assertThat(BlockEntry.hasData(data)).isTrue();
        assertThat(BlockEntry.withDurability(data, BlockEntry.DURABLE)).isEqualTo(4095);
        assertThat(index.compareAndSet(999, zeroMarker, 0)).isTrue();
        assertThat(index.compareAndSet(999, zeroMarker, 1)).isFalse();
        assertThat(index.nextAllocatedChunkStart(2000, index.blockCount()))
                .isEqualTo((3 * TIB_BLOCKS - 1) / ExtentIndex.CHUNK_BLOCKS * ExtentIndex.CHUNK_BLOCKS);
    }
}
