package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.NativeFile;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeIoTest {
    private static final int BLOCK = 4096;
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path directory;

    @Test
    void newVolumeReadsZerosAndHoldsNothing() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", 10L * 1024 * 1024 * 1024 * 1024); // 10 TiB, thin
            assertThat(volume.allocatedBytes()).isZero();
            ByteBuffer dst = ByteBuffer.allocate(3 * BLOCK + 17);
            volume.read(5L * 1024 * 1024 * 1024 * 1024 + 3, dst);
            assertThat(dst.array()).containsOnly(0);
            assertThat(pool.usage().usedBytes()).isZero();
            assertThat(pool.usage().provisionedBytes()).isEqualTo(10L * 1024 * 1024 * 1024 * 1024);
            List<String> runs = extents(volume, 0, volume.sizeBytes());
            assertThat(runs).containsExactly((10L * 1024 * 1024 * 1024 * 1024) + ":hole");
        }
    }

    @Test
    void writesOfEveryAlignmentReadBack() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", 8 * MIB);
            byte[] model = new byte[(int) (8 * MIB)];
            long[][] cases = {
                {0, 1}, {1, 1}, {4095, 1}, {4095, 2}, {4096, 4096}, {100, 4096}, {4000, 9000}, {8192, 3 * 4096},
                {12288 - 1, 4096 * 3 + 2}, {0, 2 * MIB + 5}, {MIB - 7, 300 * 4096 + 11}, {8 * MIB - 1, 1}, {8 * MIB - 5000, 5000},
            };
            int salt = 1;
            for (long[] c : cases) {
                byte[] data = pattern((int) c[1], salt++);
                volume.write(c[0], ByteBuffer.wrap(data));
                System.arraycopy(data, 0, model, (int) c[0], data.length);
                assertSame(volume, model);
            }
            // direct buffers too, and a buffer whose position is not 0
            ByteBuffer direct = ByteBuffer.allocateDirect(3 * BLOCK + 100);
            byte[] data = pattern(3 * BLOCK + 100, 99);
            direct.put(data).flip().position(50);
            volume.write(7 * BLOCK + 3, direct);
            assertThat(direct.hasRemaining()).isFalse();
            System.arraycopy(data, 50, model, 7 * BLOCK + 3, data.length - 50);
            assertSame(volume, model);
            ByteBuffer readDirect = ByteBuffer.allocateDirect(3 * BLOCK);
            volume.read(7 * BLOCK + 3, readDirect);
            readDirect.flip();
            byte[] back = new byte[3 * BLOCK];
            readDirect.get(back);
            assertThat(back).isEqualTo(Arrays.copyOfRange(model, 7 * BLOCK + 3, 10 * BLOCK + 3));
        }
    }

    @Test
    void thinAccountingFollowsWritesAndTrims() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", 64 * MIB);
            volume.write(0, ByteBuffer.wrap(pattern(10 * BLOCK, 1)));
            assertThat(volume.allocatedBytes()).isEqualTo(10 * BLOCK);
            volume.write(0, ByteBuffer.wrap(pattern(10 * BLOCK, 2))); // overwrite: no growth
            assertThat(volume.allocatedBytes()).isEqualTo(10 * BLOCK);
            volume.write(20 * BLOCK + 10, ByteBuffer.wrap(pattern(5, 3))); // sub-block: one block
            assertThat(volume.allocatedBytes()).isEqualTo(11 * BLOCK);
            volume.trim(2 * BLOCK, 3 * BLOCK);
            assertThat(volume.allocatedBytes()).isEqualTo(8 * BLOCK);
            volume.trim(BLOCK / 2, BLOCK); // partial edges: zeroed by RMW, nothing freed
            assertThat(volume.allocatedBytes()).isEqualTo(8 * BLOCK);
            volume.trim(30 * BLOCK + 5, 100); // partial in a hole: nothing allocated
            assertThat(volume.allocatedBytes()).isEqualTo(8 * BLOCK);
            assertThat(pool.usage().usedBytes()).isEqualTo(8 * BLOCK);
            volume.writeZeroes(40 * BLOCK, 2 * BLOCK, false); // stays allocated
            assertThat(volume.allocatedBytes()).isEqualTo(10 * BLOCK);
            volume.writeZeroes(40 * BLOCK, 2 * BLOCK, true); // punched
            assertThat(volume.allocatedBytes()).isEqualTo(8 * BLOCK);
            ByteBuffer dst = ByteBuffer.allocate(5 * BLOCK);
            volume.read(BLOCK, dst);
            byte[] expected = pattern(10 * BLOCK, 2);
            Arrays.fill(expected, BLOCK / 2, BLOCK / 2 + BLOCK, (byte) 0);
            Arrays.fill(expected, 2 * BLOCK, 5 * BLOCK, (byte) 0);
            assertThat(dst.array()).isEqualTo(Arrays.copyOfRange(expected, BLOCK, 6 * BLOCK));
            volume.flush();
        }
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            assertThat(pool.volume("v1").orElseThrow().allocatedBytes()).isEqualTo(8 * BLOCK);
        }
    }

    @Test
    void trimGivesSpaceBackToTheFilesystem() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeFile.available());
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", 64 * MIB);
            volume.write(0, ByteBuffer.wrap(pattern((int) (8 * MIB), 1)));
            volume.flush();
            Path layer = layerFile("v1");
            long before = allocatedOnDisk(layer);
            volume.trim(0, 8 * MIB);
            volume.flush();
            long after = allocatedOnDisk(layer);
            assertThat(before - after).isGreaterThanOrEqualTo(8 * MIB);
            assertThat(volume.allocatedBytes()).isZero();
        }
    }

    @Test
    void withoutHolePunchingTrimWritesZerosAndStillFreesAccounting() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults(), LayerOptions.DEFAULTS.withPunchHoles(false))) {
            Volume volume = pool.create("v1", 16 * MIB);
            volume.write(0, ByteBuffer.wrap(pattern(8 * BLOCK, 1)));
            volume.trim(BLOCK, 4 * BLOCK);
            assertThat(volume.allocatedBytes()).isEqualTo(4 * BLOCK);
            ByteBuffer dst = ByteBuffer.allocate(8 * BLOCK);
            volume.read(0, dst);
            byte[] expected = pattern(8 * BLOCK, 1);
            Arrays.fill(expected, BLOCK, 5 * BLOCK, (byte) 0);
            assertThat(dst.array()).isEqualTo(expected);
            volume.write(2 * BLOCK + 7, ByteBuffer.wrap(new byte[] {9}));
            expected[2 * BLOCK + 7] = 9;
            dst.clear();
            volume.read(0, dst);
            assertThat(dst.array()).isEqualTo(expected);
        }
    }

    @Test
    void extentsReportAllocatedRuns() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", 64 * MIB);
            volume.write(BLOCK, ByteBuffer.wrap(pattern(2 * BLOCK, 1)));
            volume.write(10 * MIB, ByteBuffer.wrap(pattern(BLOCK, 1)));
            assertThat(extents(volume, 0, 64 * MIB)).containsExactly(
                    BLOCK + ":hole", 2 * BLOCK + ":data", (10 * MIB - 3 * BLOCK) + ":hole", BLOCK + ":data",
                    (54 * MIB - BLOCK) + ":hole");
            assertThat(extents(volume, BLOCK + 100, 2 * BLOCK)).containsExactly((2 * BLOCK - 100) + ":data", 100 + ":hole");
            List<String> first = new ArrayList<>();
            volume.extents(0, 64 * MIB, (length, allocated) -> {
                first.add(length + (allocated ? ":data" : ":hole"));
                return false;
            });
            assertThat(first).containsExactly(BLOCK + ":hole");
            volume.trim(BLOCK, BLOCK);
            assertThat(extents(volume, 0, 4 * BLOCK)).containsExactly(2 * BLOCK + ":hole", BLOCK + ":data", BLOCK + ":hole");
        }
    }

    @Test
    void resizeGrowsOnlineKeepsDataAndIsDurable() throws IOException {
        byte[] data = pattern(3 * BLOCK, 5);
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", 8 * MIB);
            volume.write(8 * MIB - 3 * BLOCK, ByteBuffer.wrap(data));
            assertThatThrownBy(() -> volume.write(8 * MIB, ByteBuffer.allocate(1))).isInstanceOf(IllegalArgumentException.class);
            volume.resize(10L * 1024 * 1024 * 1024);
            assertThat(volume.sizeBytes()).isEqualTo(10L * 1024 * 1024 * 1024);
            volume.write(9L * 1024 * 1024 * 1024, ByteBuffer.wrap(data));
            assertThatThrownBy(() -> volume.resize(8 * MIB))
                    .isInstanceOfSatisfying(WharfException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SHRINK_NOT_SUPPORTED));
            volume.flush();
        }
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.volume("v1").orElseThrow();
            assertThat(volume.sizeBytes()).isEqualTo(10L * 1024 * 1024 * 1024);
            ByteBuffer dst = ByteBuffer.allocate(3 * BLOCK);
            volume.read(8 * MIB - 3 * BLOCK, dst);
            assertThat(dst.array()).isEqualTo(data);
            dst.clear();
            volume.read(9L * 1024 * 1024 * 1024, dst);
            assertThat(dst.array()).isEqualTo(data);
        }
    }

    @Test
    void discardOfAWholeHugeVolumeSkipsWhatWasNeverWritten() throws IOException {
        long size = 10L << 40; // 10 TiB: what mkfs discards before it starts
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("big", size);
            volume.write(3L << 40, ByteBuffer.wrap(pattern(2 * BLOCK, 1)));
            volume.write(size - BLOCK - 1, ByteBuffer.wrap(pattern(BLOCK, 2)));
            volume.trim(0, size);
            assertThat(volume.allocatedBytes()).isZero();
            assertThat(extents(volume, 0, size)).containsExactly(size + ":hole");
            ByteBuffer dst = ByteBuffer.allocate(2 * BLOCK);
            volume.read(3L << 40, dst);
            assertThat(dst.array()).containsOnly(0);
            volume.writeZeroes(0, size, true);
        }
    }

    @Test
    void oddSizedVolumeServesItsLastPartialBlock() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("odd", 3 * BLOCK + 100);
            byte[] data = pattern(150, 3);
            volume.write(3 * BLOCK - 50, ByteBuffer.wrap(data));
            ByteBuffer dst = ByteBuffer.allocate(150);
            volume.read(3 * BLOCK - 50, dst);
            assertThat(dst.array()).isEqualTo(data);
            volume.trim(3 * BLOCK, 100);
            dst.clear();
            volume.read(3 * BLOCK - 50, dst);
            assertThat(Arrays.copyOfRange(dst.array(), 50, 150)).containsOnly(0);
        }
    }

    @Test
    void outOfRangeIsRejected() throws IOException {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v1", MIB);
            assertThatThrownBy(() -> volume.read(-1, ByteBuffer.allocate(1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> volume.read(MIB, ByteBuffer.allocate(1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> volume.trim(MIB - 1, 2)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> volume.extents(Long.MAX_VALUE, 2, (l, a) -> true)).isInstanceOf(IllegalArgumentException.class);
            volume.read(MIB, ByteBuffer.allocate(0));
        }
    }

    static List<String> extents(Volume volume, long offset, long length) throws IOException {
        List<String> runs = new ArrayList<>();
        volume.extents(offset, length, (runLength, allocated) -> {
            runs.add(runLength + (allocated ? ":data" : ":hole"));
            return true;
        });
        return runs;
    }

    static void assertSame(Volume volume, byte[] model) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(model.length);
        volume.read(0, all);
        if (!Arrays.equals(all.array(), model)) {
            int at = Arrays.mismatch(all.array(), model);
            throw new AssertionError("volume differs from model at byte " + at + " (block " + at / BLOCK + ")");
        }
    }

    static byte[] pattern(int length, int salt) {
        byte[] data = new byte[length];
        long x = 0x9E3779B97F4A7C15L * (salt + 1);
        for (int i = 0; i < length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            data[i] = (byte) (x | 1);
        }
        return data;
    }

    private Path layerFile(String volumeId) throws IOException {
        try (var files = Files.list(directory.resolve("volumes").resolve(volumeId))) {
            return files.filter(p -> p.toString().endsWith(".layer")).findFirst().orElseThrow();
        }
    }

    private static long allocatedOnDisk(Path file) throws IOException {
        return SparseFiles.dataBytes(file, LayerOptions.METADATA_REGION_BYTES);
    }
}
