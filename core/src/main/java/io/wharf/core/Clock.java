package io.wharf.core;

import java.time.Instant;

/** Time, injected so that tests and the simulator can step it. */
public interface Clock {
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };

    /** Monotonic nanoseconds, for durations. */
    long nanoTime();

    /** Wall-clock time, for timestamps shown to users. */
    Instant now();
}
