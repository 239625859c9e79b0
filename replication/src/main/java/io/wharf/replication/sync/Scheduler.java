package io.wharf.replication.sync;

/**
 * The core's only notion of time and threads. Every call into a core object and every
 * continuation it schedules run one at a time on the object's scheduler: a single-threaded event
 * loop, a serial executor in the node, the seeded event queue in the simulator. The core never
 * blocks, sleeps or reads a clock of its own.
 */
public interface Scheduler {
    /** Monotonic nanoseconds. */
    long nanoTime();

    /** Runs {@code task} after the current task, on this scheduler. */
    void execute(Runnable task);

    /** Runs {@code task} on this scheduler once {@code delayNanos} have passed; cancellable until then. */
    Cancellable schedule(long delayNanos, Runnable task);

    /** A scheduled task that has not run yet. */
    @FunctionalInterface
    interface Cancellable {
        Cancellable NONE = () -> { };

        /** The task will not run (no effect if it already ran). */
        void cancel();
    }
}
