package io.wharf.simulator.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated disk: page-level crash model, and the real storage engine running on it through FileOpener. */
class SimDiskTest {
    @TempDir
    Path directory;

    @Test
    void syncedPagesSurvivePowerLossAndUnsyncedOnesComeBackAsSomeVersion() throws IOException {
        SimDisk disk = new SimDisk();
        FileChannel channel = disk.opener().open(directory.resolve("f"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        channel.write(page(1), 0);
        channel.force(false);
        channel.write(page(2), 0);
        channel.write(page(3), 0);
        channel.write(page(4), 4096);
        disk.crash(true, new SplittableRandom(5));
        assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(1), 0)).isInstanceOf(IOException.class);
        FileChannel reopened = disk.opener().open(directory.resolve("f"), StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer first = ByteBuffer.allocate(4096);
        reopened.read(first, 0);
        assertThat(first.get(0)).isIn((byte) 1, (byte) 2, (byte) 3);
        ByteBuffer second = ByteBuffer.allocate(4096);
        reopened.read(second, 4096);
        assertThat(second.get(0)).isIn((byte) 0, (byte) 4);
        assertThat(allSame(first) && allSame(second)).as("pages are atomic").isTrue();
    }

    @Test
    void aProcessCrashKeepsThePageCache() throws IOException {
        SimDisk disk = new SimDisk();
        FileChannel channel = disk.opener().open(directory.resolve("f"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        channel.write(page(9), 0);
        disk.crash(false, new SplittableRandom(1));
        ByteBuffer read = ByteBuffer.allocate(4096);
        disk.opener().open(directory.resolve("f"), StandardOpenOption.READ).read(read, 0);
        assertThat(read.get(100)).isEqualTo((byte) 9);
    }

    @Test
    void theStorageEngineKeepsFlushedWritesAcrossPowerLossOnTheSimulatedDisk() throws IOException {
        for (long seed = 0; seed < 20; seed++) {
            SimDisk disk = new SimDisk();
            Path poolDirectory = directory.resolve("pool-" + seed);
            LayerOptions options = LayerOptions.DEFAULTS.withOpener(disk.opener()).withPunchHoles(false).withJournalBytes(32 * 1024);
            PoolConfig config = new PoolConfig(1L << 30, 0, 1.0);
            Pool pool = Pool.open(poolDirectory, config, options);
            Volume volume = pool.create("v", 1 << 20);
            volume.write(0, page(1));
            volume.write(8192, page(2));
            volume.flush();
            volume.write(0, page(3)); // overwrite, not flushed
            volume.write(16384, page(4)); // new, not flushed
            disk.crash(true, new SplittableRandom(seed));
            try {
                pool.close();
            } catch (IOException expected) {
                // the dead process's final checkpoint cannot reach the disk
            }
            try (Pool reopened = Pool.open(poolDirectory, config, options)) {
                Volume after = reopened.volume("v").orElseThrow();
                assertThat(read(after, 8192).get(0)).as("seed %d: flushed block", seed).isEqualTo((byte) 2);
                assertThat(read(after, 0).get(0)).as("seed %d: old or new", seed).isIn((byte) 1, (byte) 3);
                assertThat(read(after, 16384).get(0)).as("seed %d: old or new", seed).isIn((byte) 0, (byte) 4);
            }
        }
    }

    private static ByteBuffer read(Volume volume, long offset) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4096);
        volume.read(offset, data);
        assertThat(allSame(data.flip())).as("a block is old or new, never a mix").isTrue();
        return data;
    }

    private static ByteBuffer page(int value) {
        byte[] bytes = new byte[4096];
        Arrays.fill(bytes, (byte) value);
        return ByteBuffer.wrap(bytes);
    }

    private static boolean allSame(ByteBuffer data) {
        for (int i = 1; i < data.limit(); i++) {
            if (data.get(i) != data.get(0)) {
                return false;
            }
        }
        return true;
    }
}
