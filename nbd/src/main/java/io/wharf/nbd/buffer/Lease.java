package io.wharf.nbd.buffer;

import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;

/**
 * The buffers holding one payload: {@link BufferPool#MAX_BUFFER_BYTES}-sized buffers then one
 * tail buffer, each with position 0 and limit set to its share of the payload. Reusable (one per
 * request slot) so that a request allocates nothing of payload size. Not thread-safe: one owner
 * at a time, handed from reader to worker with a happens-before edge (thread start).
 */
public final class Lease {
    private final BufferPool pool;
    private final Semaphore connectionBudget;
    private final BufferPool.PooledBuffer[] held;
    private final ByteBuffer[] buffers;
    private int count;
    private int pages;
    private long lengthBytes;

    Lease(BufferPool pool, Semaphore connectionBudget, int maxBuffers) {
        this.pool = pool;
        this.connectionBudget = connectionBudget;
        this.held = new BufferPool.PooledBuffer[maxBuffers];
        this.buffers = new ByteBuffer[maxBuffers];
    }

    /**
     * Reserves budget (connection first, then pool; blocking until both have room) and takes
     * buffers for {@code lengthBytes}.
     */
    public void acquire(long lengthBytes) throws InterruptedException {
        if (count != 0 || pages != 0) {
            throw new IllegalStateException("lease already holds buffers");
        }
        int needed = BufferPool.buffersFor(lengthBytes);
        if (needed > held.length || lengthBytes <= 0) {
            throw new IllegalArgumentException("length out of range for this lease: " + lengthBytes);
        }
        int wantPages = (int) BufferPool.pagesFor(lengthBytes);
        connectionBudget.acquire(wantPages);
        try {
            pool.reserve(wantPages);
        } catch (InterruptedException | RuntimeException e) {
            connectionBudget.release(wantPages);
            throw e;
        }
        pages = wantPages;
        this.lengthBytes = lengthBytes;
        long left = lengthBytes;
        for (int i = 0; i < needed; i++) {
            int part = (int) Math.min(left, BufferPool.MAX_BUFFER_BYTES);
            BufferPool.PooledBuffer buffer = pool.take(BufferPool.classFor(part));
            held[i] = buffer;
            count = i + 1;
            buffers[i] = buffer.buffer.clear().limit(part);
            left -= part;
        }
    }

    /** The buffers; only the first {@link #count()} are valid. */
    public ByteBuffer[] buffers() {
        return buffers;
    }

    public int count() {
        return count;
    }

    public long lengthBytes() {
        return lengthBytes;
    }

    /** Sets every buffer back to position 0 and its share of the payload as limit. */
    public void rewind() {
        long left = lengthBytes;
        for (int i = 0; i < count; i++) {
            int part = (int) Math.min(left, BufferPool.MAX_BUFFER_BYTES);
            buffers[i].clear().limit(part);
            left -= part;
        }
    }

    /** Returns buffers and budget; safe to call when nothing is held. */
    public void release() {
        for (int i = 0; i < count; i++) {
            pool.give(held[i]);
            held[i] = null;
            buffers[i] = null;
        }
        count = 0;
        lengthBytes = 0;
        if (pages != 0) {
            pool.unreserve(pages);
            connectionBudget.release(pages);
            pages = 0;
        }
    }
}
