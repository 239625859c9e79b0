package io.wharf.it;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting for a condition with a deadline, instead of sleeping for a guessed time. */
final class Conditions {
    private Conditions() {}

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            pause();
        }
    }

    /** A short back-off between polls of a condition. */
    static void pause() {
        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
}
