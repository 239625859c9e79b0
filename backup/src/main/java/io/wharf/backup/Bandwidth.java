package io.wharf.backup;

import io.wharf.core.Clock;

/**
 * A token bucket in bytes: {@code bytesPerSecond} tokens a second, at most one second's worth
 * stored. A caller takes the tokens for a request before sending it and, when that drives the
 * bucket below zero, waits until it would be back at zero; so callers queue fairly and the long-run
 * rate never exceeds the limit.
 */
final class Bandwidth {
    private final long bytesPerSecond; // 0: unlimited
    private final Clock clock;
    private double tokens;
    private long lastNanos;

    Bandwidth(long bytesPerSecond, Clock clock) {
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
        this.tokens = bytesPerSecond;
        this.lastNanos = clock.nanoTime();
    }

    /** Takes {@code bytes} tokens, waiting as long as the bucket says. */
    void acquire(long bytes) throws InterruptedException {
        if (bytesPerSecond == 0) {
            return;
        }
        long waitNanos = reserve(bytes, clock.nanoTime());
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }

    /** Takes the tokens at time {@code nowNanos}; returns how long the caller must wait before sending. */
    synchronized long reserve(long bytes, long nowNanos) {
        if (bytesPerSecond == 0) {
            return 0;
        }
        if (nowNanos > lastNanos) {
            tokens = Math.min(bytesPerSecond, tokens + (nowNanos - lastNanos) * (bytesPerSecond / 1e9));
            lastNanos = nowNanos;
        }
        tokens -= bytes;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1e9 / bytesPerSecond);
    }
}
