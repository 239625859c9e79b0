package io.wharf.node.transport;

import io.wharf.replication.wire.FrameCodec;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for the frames of synchronous replication and the copies of written data, reused
 * so that a write costs no allocation: a fresh direct buffer is zeroed, and its pages are faulted in
 * on first touch, which cost more than the copy itself. Thread-safe.
 *
 * <p>Sizes come in classes: powers of two from 4 KiB to 1 MiB, and one class for a whole frame of
 * the largest payload (1 MiB and a header). At most {@code directBudgetBytes} of direct buffers are
 * out at once; past that, {@link #take} hands out heap buffers (slower to write to a socket or file,
 * never a failure), and {@link #give} drops those. Up to {@code cacheBytes} of returned buffers are
 * kept. A buffer that is never given back is freed by the garbage collector (and leaves the budget
 * then), so a buffer whose user may still hold it (a storage write in flight when its connection
 * closed) is simply not returned. That is why this is not the NBD server's {@code BufferPool}: its
 * buffers live in arenas that only an explicit release frees, and it has no class for a whole frame.
 */
public final class FrameBuffers {
    static final int MIN_CLASS_BYTES = 4096;
    /** The largest buffer handed out: a frame of the largest payload, rounded up to a page. */
    static final int MAX_BUFFER_BYTES = (FrameCodec.HEADER_BYTES + FrameCodec.MAX_PAYLOAD_BYTES + MIN_CLASS_BYTES - 1)
            / MIN_CLASS_BYTES * MIN_CLASS_BYTES;
    private static final int POWER_CLASSES = Integer.numberOfTrailingZeros(FrameCodec.MAX_PAYLOAD_BYTES / MIN_CLASS_BYTES) + 1;

    /** The node's buffers: 96 MiB of direct buffers out at most, 32 MiB kept. */
    public static final FrameBuffers SHARED = new FrameBuffers(96L << 20, 32L << 20);
    private static final Cleaner CLEANER = Cleaner.create();

    private final long directBudgetBytes;
    private final long cacheBytes;
    private final AtomicLong directOutBytes = new AtomicLong();
    private final AtomicLong cachedBytes = new AtomicLong();
    private final ConcurrentLinkedDeque<ByteBuffer>[] free;

    @SuppressWarnings("unchecked")
    FrameBuffers(long directBudgetBytes, long cacheBytes) {
        if (directBudgetBytes < 0 || cacheBytes < 0) {
            throw new IllegalArgumentException("negative budget: " + directBudgetBytes + ", " + cacheBytes);
        }
        this.directBudgetBytes = directBudgetBytes;
        this.cacheBytes = cacheBytes;
        this.free = new ConcurrentLinkedDeque[POWER_CLASSES + 1];
        for (int i = 0; i < free.length; i++) {
            free[i] = new ConcurrentLinkedDeque<>();
        }
    }

    /** A buffer with position 0 and limit {@code bytes} (content undefined); direct while the budget lasts. */
    public ByteBuffer take(int bytes) {
        if (bytes < 0 || bytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException("cannot take a buffer of " + bytes + " bytes; at most " + MAX_BUFFER_BYTES);
        }
        int sizeClass = classOf(bytes);
        ByteBuffer cached = free[sizeClass].pollFirst();
        if (cached != null) {
            cachedBytes.addAndGet(-cached.capacity());
            return cached.clear().limit(bytes);
        }
        int capacity = classBytes(sizeClass);
        if (directOutBytes.addAndGet(capacity) > directBudgetBytes) {
            directOutBytes.addAndGet(-capacity);
            return ByteBuffer.allocate(bytes);
        }
        ByteBuffer buffer;
        try {
            buffer = ByteBuffer.allocateDirect(capacity);
        } catch (OutOfMemoryError e) { // the JVM's direct memory is used up by others: slower, never a failure
            directOutBytes.addAndGet(-capacity);
            return ByteBuffer.allocate(bytes);
        }
        AtomicLong out = directOutBytes;
        CLEANER.register(buffer, () -> out.addAndGet(-capacity)); // once it is unreachable: dropped or lost
        return buffer.limit(bytes);
    }

    /** A copy of {@code src}'s remaining bytes (its position unchanged), flipped for reading. */
    public ByteBuffer copyOf(ByteBuffer src) {
        ByteBuffer copy = take(src.remaining());
        return copy.put(0, src, src.position(), src.remaining());
    }

    /** Returns a buffer from {@link #take}; the caller must not touch it afterwards. Heap buffers are dropped. */
    public void give(ByteBuffer buffer) {
        if (!buffer.isDirect() || buffer.capacity() < MIN_CLASS_BYTES) {
            return;
        }
        int sizeClass = classOf(buffer.capacity());
        if (classBytes(sizeClass) != buffer.capacity()) {
            throw new IllegalArgumentException("a buffer of " + buffer.capacity() + " bytes was not taken here");
        }
        if (cachedBytes.addAndGet(buffer.capacity()) <= cacheBytes) {
            free[sizeClass].addFirst(buffer); // last in, first out: recently used memory is warm
            return;
        }
        cachedBytes.addAndGet(-buffer.capacity()); // dropped: the collector frees it
    }

    /** Bytes of direct buffers out or cached (or dropped and not yet collected). */
    long directBytes() {
        return directOutBytes.get();
    }

    static int classOf(int bytes) {
        if (bytes > FrameCodec.MAX_PAYLOAD_BYTES) {
            return POWER_CLASSES;
        }
        int pages = Math.max(1, (bytes + MIN_CLASS_BYTES - 1) / MIN_CLASS_BYTES);
        return 32 - Integer.numberOfLeadingZeros(pages - 1);
    }

    static int classBytes(int sizeClass) {
        return sizeClass == POWER_CLASSES ? MAX_BUFFER_BYTES : MIN_CLASS_BYTES << sizeClass;
    }
}
