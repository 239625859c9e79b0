package io.wharf.replication.sync.target;

import io.wharf.replication.sync.Invariants;
import io.wharf.replication.sync.Scheduler;

/** Counts answers and runs {@code then} (on the scheduler) after the last; at once for zero. */
final class Countdown {
    private final Scheduler scheduler;
    private int remaining;
    private final Runnable then;

    Countdown(Scheduler scheduler, int count, Runnable then) {
        this.scheduler = scheduler;
        this.remaining = count;
        this.then = then;
        if (count == 0) {
            scheduler.execute(then);
        }
    }

    void one() {
        Invariants.check(remaining > 0, "countdown below zero");
        if (--remaining == 0) {
            scheduler.execute(then);
        }
    }
}
