package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random reads, writes, trims, zeroings, flushes, resizes and reopens against an in-memory model
 * of content and allocation. A small journal ring makes checkpoints frequent. A failure names the
 * seed; rerun one seed with {@code -Dwharf.seed=<seed>}.
 */
class VolumeModelTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;

    @Test
    void randomOperationsMatchTheModel() throws IOException {
        String fixed = System.getProperty("wharf.seed");
        long[] seeds = fixed != null ? new long[] {Long.parseLong(fixed)}
                : new long[] {1, 2, 3, 4, 5, 6, System.nanoTime()};
        for (long seed : seeds) {
            try {
                run(seed, directory.resolve("pool-" + seed));
            } catch (AssertionError | IOException | RuntimeException e) {
                throw new AssertionError("model test failed with seed " + seed + " (rerun with -Dwharf.seed=" + seed + ")", e);
            }
        }
    }

    private void run(long seed, Path poolDirectory) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        LayerOptions options = LayerOptions.DEFAULTS.withJournalBytes(8 * 1024).withPunchHoles(random.nextBoolean());
        Model model = new Model(2 * 1024 * 1024);
        Pool pool = Pool.open(poolDirectory, PoolConfig.defaults(), options);
        try {
            Volume volume = pool.create("model", model.size());
            List<String> history = new ArrayList<>();
            for (int step = 0; step < 400; step++) {
                int kind = random.nextInt(100);
                if (kind < 40) {
                    long[] range = range(random, model.size());
                    byte[] data = VolumeIoTest.pattern((int) range[1], random.nextInt());
                    history.add("write " + range[0] + "+" + range[1]);
                    volume.write(range[0], ByteBuffer.wrap(data));
                    model.write(range[0], data);
                } else if (kind < 55) {
                    long[] range = range(random, model.size());
                    history.add("trim " + range[0] + "+" + range[1]);
                    volume.trim(range[0], range[1]);
                    model.zero(range[0], range[1], true);
                } else if (kind < 62) {
                    long[] range = range(random, model.size());
                    boolean punch = random.nextBoolean();
                    history.add("zeroes " + range[0] + "+" + range[1] + " punch=" + punch);
                    volume.writeZeroes(range[0], range[1], punch);
                    model.zero(range[0], range[1], punch);
                } else if (kind < 80) {
                    long[] range = range(random, model.size());
                    ByteBuffer dst = random.nextBoolean() ? ByteBuffer.allocate((int) range[1])
                            : ByteBuffer.allocateDirect((int) range[1]);
                    volume.read(range[0], dst);
                    byte[] actual = new byte[(int) range[1]];
                    dst.flip().get(actual);
                    assertThat(actual).as("read %d+%d after %s", range[0], range[1], tail(history))
                            .isEqualTo(Arrays.copyOfRange(model.content, (int) range[0], (int) (range[0] + range[1])));
                } else if (kind < 90) {
                    history.add("flush");
                    volume.flush();
                } else if (kind < 93) {
                    long newSize = model.size() + BLOCK * (long) random.nextInt(64) + random.nextInt(2) * 100;
                    history.add("resize " + newSize);
                    volume.resize(newSize);
                    model.grow((int) newSize);
                } else if (kind < 96) {
                    checkAll(volume, model, history);
                } else {
                    history.add("reopen");
                    pool.close();
                    pool = Pool.open(poolDirectory, PoolConfig.defaults(), options);
                    volume = pool.volume("model").orElseThrow();
                    assertThat(volume.sizeBytes()).isEqualTo(model.size());
                }
                assertThat(volume.allocatedBytes()).as("allocation after %s", tail(history))
                        .isEqualTo(model.allocatedBlocks() * BLOCK);
            }
            checkAll(volume, model, history);
            pool.close();
            pool = Pool.open(poolDirectory, PoolConfig.defaults(), options);
            checkAll(pool.volume("model").orElseThrow(), model, history);
        } finally {
            pool.close();
        }
    }

    private static void checkAll(Volume volume, Model model, List<String> history) throws IOException {
        VolumeIoTest.assertSame(volume, model.content);
        List<long[]> runs = new ArrayList<>();
        volume.extents(0, model.size(), (length, allocated) -> {
            runs.add(new long[] {length, allocated ? 1 : 0});
            return true;
        });
        long position = 0;
        for (long[] run : runs) {
            for (long b = position; b < position + run[0]; b += BLOCK) {
                assertThat(model.allocated[(int) (b / BLOCK)]).as("allocation of block %d after %s", b / BLOCK, tail(history))
                        .isEqualTo(run[1] == 1);
            }
            position += run[0];
        }
        assertThat(position).isEqualTo(model.size());
    }

    private static long[] range(SplittableRandom random, long size) {
        int kind = random.nextInt(10);
        long length;
        if (kind < 4) {
            length = 1 + random.nextInt(2 * BLOCK);
        } else if (kind < 7) {
            length = BLOCK * (1L + random.nextInt(4));
        } else if (kind < 9) {
            length = 1 + random.nextInt(40 * BLOCK);
        } else {
            length = 1 + random.nextInt(300 * BLOCK);
        }
        length = Math.min(length, size);
        long offset = random.nextInt(3) == 0 ? BLOCK * (long) random.nextInt((int) ((size - length) / BLOCK) + 1)
                : (long) (random.nextDouble() * (size - length + 1));
        return new long[] {Math.min(offset, size - length), length};
    }

    private static String tail(List<String> history) {
        return history.subList(Math.max(0, history.size() - 6), history.size()).toString();
    }

    /** Content and per-block allocation as the volume should report them. */
    private static final class Model {
        byte[] content;
        boolean[] allocated;

        Model(int size) {
            content = new byte[size];
            allocated = new boolean[blocks(size)];
        }

        long size() {
            return content.length;
        }

        void write(long offset, byte[] data) {
            System.arraycopy(data, 0, content, (int) offset, data.length);
            for (long b = offset / BLOCK; b <= (offset + data.length - 1) / BLOCK; b++) {
                allocated[(int) b] = true;
            }
        }

        /** Trim / write-zeroes: whole blocks are freed when punching; edges keep their allocation. */
        void zero(long offset, long length, boolean punch) {
            Arrays.fill(content, (int) offset, (int) (offset + length), (byte) 0);
            long end = offset + length;
            for (long b = offset / BLOCK; b <= (end - 1) / BLOCK; b++) {
                boolean whole = b * BLOCK >= offset && (b + 1) * BLOCK <= end;
                if (!punch) {
                    allocated[(int) b] = true;
                } else if (whole) {
                    allocated[(int) b] = false;
                }
            }
        }

        void grow(int newSize) {
            content = Arrays.copyOf(content, newSize);
            allocated = Arrays.copyOf(allocated, blocks(newSize));
        }

        long allocatedBlocks() {
            long n = 0;
            for (boolean a : allocated) {
                if (a) {
                    n++;
                }
            }
            return n;
        }

        private static int blocks(int size) {
            return (size + BLOCK - 1) / BLOCK;
        }
    }
}
