package io.wharf.node.transport;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Whether a storage call may run on the thread that received it (a connection's reader, the
 * replication loop) instead of a thread of its own: only while calls of its kind have recently been
 * fast, so that a slow disk moves them to threads of their own and never holds up that thread long.
 * A hand-off costs a thread wake-up on each side, which for a call served by the page cache is more
 * than the call itself.
 *
 * <p>Each kind of call (read, write, ...) has a size up to which its calls are small: small calls
 * are fast when they took under {@link #SMALL_LIMIT_NANOS} on average; larger calls are averaged
 * apart, per MiB, and are fast at {@link #MIN_LARGE_BYTES_PER_SECOND} or more (the page cache's speed,
 * far above a disk's), which keeps the largest call the wire carries (1 MiB) under 0.5 ms. Both
 * start as slow: the first calls of a kind run on threads of their own until they have shown the
 * storage's speed, so one call to a cold disk cannot hold up a new connection. FLUSH and FUA calls
 * wait for the disk by design and are never averaged.
 *
 * <p>Safe for concurrent use; the averages are racy by design (a hint, not a measurement).
 */
public final class CallPace {
    public static final long SMALL_LIMIT_NANOS = 50_000;
    public static final long MIN_LARGE_BYTES_PER_SECOND = 2L << 30;
    private static final long MIB = 1 << 20;
    private static final long LARGE_LIMIT_NANOS_PER_MIB = 1_000_000_000L * MIB / MIN_LARGE_BYTES_PER_SECOND;

    private final long[] smallMaxBytes;
    /** Per kind two moving averages: small calls (ns per call) at 2k, large ones (ns per MiB) at 2k + 1. */
    private final AtomicLongArray averages;

    /** One kind of call per argument, each the size up to which its calls are small. */
    public CallPace(long... smallMaxBytes) {
        this.smallMaxBytes = smallMaxBytes.clone();
        this.averages = new AtomicLongArray(2 * smallMaxBytes.length);
        for (int kind = 0; kind < smallMaxBytes.length; kind++) {
            averages.set(2 * kind, SMALL_LIMIT_NANOS);
            averages.set(2 * kind + 1, 2 * LARGE_LIMIT_NANOS_PER_MIB);
        }
    }

    /** Whether a call of {@code kind} over {@code bytes} may run on the receiving thread. */
    public boolean fast(int kind, long bytes) {
        boolean large = bytes > smallMaxBytes[kind];
        return averages.get(slot(kind, large)) < (large ? LARGE_LIMIT_NANOS_PER_MIB : SMALL_LIMIT_NANOS);
    }

    /** Records a call of {@code kind} over {@code bytes} that took {@code nanos}, wherever it ran. */
    public void record(int kind, long bytes, long nanos) {
        boolean large = bytes > smallMaxBytes[kind];
        int slot = slot(kind, large);
        long sample = large ? nanos * MIB / bytes : nanos;
        long average = averages.get(slot);
        averages.set(slot, average + (sample - average) / 8);
    }

    private static int slot(int kind, boolean large) {
        return 2 * kind + (large ? 1 : 0);
    }
}
