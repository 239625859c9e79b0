package io.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyTest {
    private static final int BLOCK = 4096;
    private static final int THREADS = 8;

    @TempDir
    Path directory;

    @Test
    void concurrentSubBlockWritesToOneBlockNeverLoseEachOther() throws Exception {
        try (Pool pool = Pool.open(directory, PoolConfig.defaults())) {
            Volume volume = pool.create("v", 1024 * 1024);
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                for (long block : new long[] {3, 7}) { // 3 starts absent; 7 starts as durable data
                    if (block == 7) {
                        volume.write(7 * BLOCK, ByteBuffer.wrap(VolumeIoTest.pattern(BLOCK, 77)));
                        volume.flush();
                    }
                    int slice = BLOCK / THREADS;
                    int rounds = 150;
                    CyclicBarrier start = new CyclicBarrier(THREADS);
                    List<Future<byte[]>> results = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        int thread = t;
                        results.add(threads.submit(() -> {
                            start.await();
                            byte[] last = null;
                            for (int round = 0; round < rounds; round++) {
                                last = VolumeIoTest.pattern(slice - (thread % 2), thread * 1000 + round);
                                volume.write(block * BLOCK + (long) thread * slice + (thread % 2), ByteBuffer.wrap(last));
                                if (round % 25 == thread) {
                                    volume.flush(); // flushes make blocks INFLIGHT/UNCONFIRMED under the writers
                                }
                            }
                            return last;
                        }));
                    }
                    byte[] expected = block == 7 ? VolumeIoTest.pattern(BLOCK, 77) : new byte[BLOCK];
                    for (int t = 0; t < THREADS; t++) {
                        byte[] last = results.get(t).get();
                        System.arraycopy(last, 0, expected, t * slice + (t % 2), last.length);
                    }
                    ByteBuffer actual = ByteBuffer.allocate(BLOCK);
                    volume.read(block * BLOCK, actual);
                    assertThat(actual.array()).as("block %d", block).isEqualTo(expected);
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void concurrentWritersTrimmersAndFlushersKeepEveryCompletedChange() throws Exception {
        int regionBlocks = 64;
        byte[][] models = new byte[THREADS][regionBlocks * BLOCK];
        Path poolDirectory = directory.resolve("pool");
        Path image = directory.resolve("image");
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults())) {
            Volume volume = pool.create("v", (long) THREADS * regionBlocks * BLOCK);
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            List<Future<Integer>> results = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(THREADS);
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(threads.submit(() -> {
                    SplittableRandom random = new SplittableRandom(thread);
                    byte[] model = models[thread];
                    long base = (long) thread * regionBlocks * BLOCK;
                    int flushes = 0;
                    start.await();
                    for (int op = 0; op < 300; op++) {
                        int offset = random.nextInt(model.length - 1);
                        int length = 1 + random.nextInt(Math.min(3 * BLOCK, model.length - offset));
                        int kind = random.nextInt(10);
                        if (kind < 6) {
                            byte[] data = VolumeIoTest.pattern(length, thread * 100_000 + op);
                            volume.write(base + offset, ByteBuffer.wrap(data));
                            System.arraycopy(data, 0, model, offset, length);
                        } else if (kind < 8) {
                            volume.trim(base + offset, length);
                            Arrays.fill(model, offset, offset + length, (byte) 0);
                        } else {
                            volume.flush();
                            flushes++;
                        }
                    }
                    volume.flush();
                    return flushes + 1;
                }));
            }
            for (Future<Integer> result : results) {
                result.get();
            }
            threads.shutdownNow();
            // Every thread flushed last; a crash now must show everything.
            SparseFiles.copyTree(poolDirectory, image);
            assertSameAsModels(volume, models, regionBlocks);
        }
        try (Pool pool = Pool.open(image, PoolConfig.defaults())) {
            assertSameAsModels(pool.volume("v").orElseThrow(), models, regionBlocks);
        }
    }

    private static void assertSameAsModels(Volume volume, byte[][] models, int regionBlocks) throws IOException {
        for (int t = 0; t < models.length; t++) {
            ByteBuffer actual = ByteBuffer.allocate(regionBlocks * BLOCK);
            volume.read((long) t * regionBlocks * BLOCK, actual);
            assertThat(actual.array()).as("region of thread %d", t).isEqualTo(models[t]);
        }
    }
}
