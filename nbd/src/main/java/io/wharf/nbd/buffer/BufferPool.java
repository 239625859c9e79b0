package io.wharf.nbd.buffer;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Direct buffers for request and reply payloads, bounded by a byte budget. Thread-safe.
 *
 * <p>Budget is counted in 4 KiB pages of the size classes handed out (a 5,000-byte payload
 * reserves one 8 KiB buffer, two pages).
 */
public final class BufferPool implements AutoCloseable {
    public static final int PAGE_BYTES = 4096;
    /** The largest buffer the pool hands out; larger payloads are split into buffers of this size. */
    public static final int MAX_BUFFER_BYTES = 1 << 20;
    static final int CLASS_COUNT = Integer.numberOfTrailingZeros(MAX_BUFFER_BYTES / PAGE_BYTES) + 1;

    private final int budgetPages;
    private final Semaphore budget;
    private final long cacheLimitBytes;
    private final AtomicLong cachedBytes = new AtomicLong();
    private final AtomicLong allocatedBytes = new AtomicLong();
    private final FreeList[] freeLists = new FreeList[CLASS_COUNT];
    private volatile boolean closed;

    /**
     * @param budgetBytes most bytes that leases may hold at once; at least {@link #MAX_BUFFER_BYTES}
     * @param cacheBytes most bytes of free buffers kept for reuse
     */
    public BufferPool(long budgetBytes, long cacheBytes) {
        if (budgetBytes < MAX_BUFFER_BYTES || budgetBytes / PAGE_BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("budgetBytes out of range: " + budgetBytes);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must not be negative: " + cacheBytes);
        }
        this.budgetPages = (int) (budgetBytes / PAGE_BYTES);
        this.budget = new Semaphore(budgetPages, true);
        this.cacheLimitBytes = cacheBytes;
        for (int i = 0; i < CLASS_COUNT; i++) {
            freeLists[i] = new FreeList();
        }
    }

    /** Pages (4 KiB) that a payload of {@code lengthBytes} reserves. */
    public static long pagesFor(long lengthBytes) {
        long full = lengthBytes / MAX_BUFFER_BYTES;
        int tail = (int) (lengthBytes % MAX_BUFFER_BYTES);
        return full * (MAX_BUFFER_BYTES / PAGE_BYTES) + (tail == 0 ? 0 : classBytes(classFor(tail)) / PAGE_BYTES);
    }

    /** Buffers a payload of {@code lengthBytes} is split into. */
    public static int buffersFor(long lengthBytes) {
        return (int) ((lengthBytes + MAX_BUFFER_BYTES - 1) / MAX_BUFFER_BYTES);
    }

    public int budgetPages() {
        return budgetPages;
    }

    /** Bytes currently held by leases. */
    public long leasedBytes() {
        return (long) (budgetPages - budget.availablePermits()) * PAGE_BYTES;
    }

    /** Bytes of off-heap memory the pool holds now, leased and cached. */
    public long allocatedBytes() {
        return allocatedBytes.get();
    }

    /** A lease that draws on this pool and on {@code connectionBudget} (pages), reusable. */
    public Lease newLease(Semaphore connectionBudget, int maxLengthBytes) {
        return new Lease(this, connectionBudget, buffersFor(maxLengthBytes));
    }

    /**
     * A buffer outside the budget, for memory the caller bounds itself (one read-ahead buffer per
     * connection, bounded by the connection limit). Released buffers join the cache.
     */
    public Borrowed borrow(int bytes) {
        if (bytes <= 0 || bytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException("cannot borrow " + bytes + " bytes");
        }
        PooledBuffer buffer = take(classFor(bytes));
        return new Borrowed(buffer, buffer.buffer.clear().limit(bytes));
    }

    /** A buffer from {@link #borrow(int)}. */
    public final class Borrowed {
        private final PooledBuffer pooled;
        private final ByteBuffer buffer;
        private boolean released;

        private Borrowed(PooledBuffer pooled, ByteBuffer buffer) {
            this.pooled = pooled;
            this.buffer = buffer;
        }

        public ByteBuffer buffer() {
            return buffer;
        }

        /** Returns the buffer; later calls do nothing. */
        public void release() {
            if (!released) {
                released = true;
                give(pooled);
            }
        }
    }

    void reserve(int pages) throws InterruptedException {
        budget.acquire(pages);
    }

    void unreserve(int pages) {
        budget.release(pages);
    }

    static int classFor(int bytes) {
        assert bytes > 0 && bytes <= MAX_BUFFER_BYTES : bytes;
        int pages = (bytes + PAGE_BYTES - 1) / PAGE_BYTES;
        return 32 - Integer.numberOfLeadingZeros(pages - 1);
    }

    static int classBytes(int sizeClass) {
        return PAGE_BYTES << sizeClass;
    }

    PooledBuffer take(int sizeClass) {
        PooledBuffer buffer = freeLists[sizeClass].pop();
        if (buffer != null) {
            cachedBytes.addAndGet(-buffer.capacity());
            return buffer;
        }
        if (closed) {
            throw new IllegalStateException("buffer pool is closed");
        }
        allocatedBytes.addAndGet(classBytes(sizeClass));
        return PooledBuffer.allocate(sizeClass);
    }

    void give(PooledBuffer buffer) {
        int capacity = buffer.capacity();
        if (!closed && cachedBytes.addAndGet(capacity) <= cacheLimitBytes && freeLists[buffer.sizeClass].push(buffer)) {
            return;
        }
        if (!closed) {
            cachedBytes.addAndGet(-capacity);
        }
        allocatedBytes.addAndGet(-capacity);
        buffer.free();
    }

    /** Frees cached buffers; leases still out free theirs when released. */
    @Override
    public void close() {
        closed = true;
        for (FreeList list : freeLists) {
            for (PooledBuffer buffer = list.pop(); buffer != null; buffer = list.pop()) {
                allocatedBytes.addAndGet(-buffer.capacity());
                buffer.free();
            }
        }
        cachedBytes.set(0);
    }

    /** One off-heap buffer in its own arena, so it can be freed on its own. */
    static final class PooledBuffer {
        final int sizeClass;
        final ByteBuffer buffer;
        private final Arena arena;

        private PooledBuffer(int sizeClass, Arena arena, ByteBuffer buffer) {
            this.sizeClass = sizeClass;
            this.arena = arena;
            this.buffer = buffer;
        }

        static PooledBuffer allocate(int sizeClass) {
            Arena arena = Arena.ofShared();
            ByteBuffer buffer = arena.allocate(classBytes(sizeClass), PAGE_BYTES).asByteBuffer();
            return new PooledBuffer(sizeClass, arena, buffer);
        }

        int capacity() {
            return buffer.capacity();
        }

        void free() {
            arena.close();
        }
    }

    /** A LIFO stack (recently used buffers are warm in cache); grows without bound only up to the cache limit. */
    private static final class FreeList {
        private final ReentrantLock lock = new ReentrantLock();
        private PooledBuffer[] items = new PooledBuffer[8];
        private int size;

        boolean push(PooledBuffer buffer) {
            lock.lock();
            try {
                if (size == items.length) {
                    PooledBuffer[] grown = new PooledBuffer[size * 2];
                    System.arraycopy(items, 0, grown, 0, size);
                    items = grown;
                }
                items[size++] = buffer;
                return true;
            } finally {
                lock.unlock();
            }
        }

        PooledBuffer pop() {
            lock.lock();
            try {
                if (size == 0) {
                    return null;
                }
                PooledBuffer buffer = items[--size];
                items[size] = null;
                return buffer;
            } finally {
                lock.unlock();
            }
        }
    }
}
