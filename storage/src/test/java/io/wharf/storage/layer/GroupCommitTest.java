package io.wharf.storage.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
    @TempDir
    Path directory;

    @Test
    void flushesArrivingDuringASyncShareTheNextOne() throws Exception {
        UUID layer = UUID.randomUUID();
        LayerChain.createLayer(directory, layer, LayerOptions.DEFAULTS);
        ExecutorService threads = Executors.newFixedThreadPool(6);
        try (LayerChain chain = LayerChain.open(directory, List.of(layer), 1024, LayerOptions.DEFAULTS)) {
            HeadLayer head = chain.head();
            head.writeBlocks(0, ByteBuffer.allocate(LayerFile.BLOCK_BYTES));
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            head.observeCommits(stage -> {
                if (stage == CommitStage.BATCH_WRITTEN && inside.getCount() > 0) {
                    inside.countDown();
                    await(release);
                }
            });
            long before = head.syncCount();
            Future<?> first = threads.submit(() -> {
                head.flush();
                return null;
            });
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            // Five more flushes, each after a completed write, arrive while the first holds the flush lock.
            List<Future<?>> waiting = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                long block = i;
                waiting.add(threads.submit(() -> {
                    head.writeBlocks(block, ByteBuffer.allocate(LayerFile.BLOCK_BYTES));
                    head.flush();
                    return null;
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (head.queuedFlushes() < 5) {
                assertThat(System.nanoTime()).as("flushes queued").isLessThan(deadline);
                Thread.onSpinWait();
            }
            release.countDown();
            first.get();
            for (Future<?> future : waiting) {
                future.get();
            }
            assertThat(head.syncCount() - before).isEqualTo(2); // the blocked one, and one shared by five
        } finally {
            threads.shutdownNow();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
