package io.wharf.storage.layer;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small shared pool of 4 KiB direct buffers for read-modify-write, so that sub-block writes do
 * not allocate per I/O. Bounded: at most {@value #RETAINED} buffers are kept; more are allocated
 * while concurrency demands it and dropped when returned.
 */
final class BlockBuffers {
    private static final int RETAINED = 64;
    private static final ConcurrentLinkedQueue<ByteBuffer> FREE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger FREE_COUNT = new AtomicInteger();

    private BlockBuffers() {}

    static ByteBuffer take() {
        ByteBuffer buffer = FREE.poll();
        if (buffer == null) {
            return ByteBuffer.allocateDirect(LayerFile.BLOCK_BYTES);
        }
        FREE_COUNT.decrementAndGet();
        return buffer.clear();
    }

    static void give(ByteBuffer buffer) {
        if (FREE_COUNT.incrementAndGet() <= RETAINED) {
            FREE.offer(buffer);
        } else {
            FREE_COUNT.decrementAndGet();
        }
    }
}
