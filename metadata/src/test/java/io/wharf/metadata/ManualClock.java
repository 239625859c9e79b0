package io.wharf.metadata;

import io.wharf.core.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test moves it. */
public final class ManualClock implements Clock {
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + duration);
        }
        nanos.addAndGet(duration.toNanos());
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant now() {
        return EPOCH.plusNanos(nanos.get());
    }
}
