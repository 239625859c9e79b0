package io.wharf.cli.mount;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition about the outside world (a file, a process) that gives no signal, up to a deadline. */
public final class Deadline {
    private static final long FIRST_PAUSE_MS = 5;
    private static final long LONGEST_PAUSE_MS = 100;
    private final long endNanos;

    private Deadline(Duration timeout) {
        this.endNanos = System.nanoTime() + timeout.toNanos();
    }

    public static Deadline after(Duration timeout) {
        return new Deadline(timeout);
    }

    public boolean expired() {
        return System.nanoTime() - endNanos >= 0;
    }

    /** Polls {@code condition} with growing pauses; true once it holds, false if the deadline passes first. */
    public boolean await(BooleanSupplier condition) {
        long pauseMs = FIRST_PAUSE_MS;
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (expired()) {
                return false;
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
        }
    }
}
