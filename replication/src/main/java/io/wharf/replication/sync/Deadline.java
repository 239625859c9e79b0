package io.wharf.replication.sync;

import io.wharf.core.ErrorCode;

/**
 * Bounds the wait for a completion: the returned {@link Completion} passes the first outcome on
 * and ignores later ones; if none came within the timeout it fails the call itself. Every call
 * the core makes to a replica or the store goes through one, so no wait is unbounded.
 */
public final class Deadline<T> implements Completion<T> {
    private final Completion<T> done;
    private final Scheduler.Cancellable timer;
    private boolean completed;

    private Deadline(Scheduler scheduler, long timeoutNanos, String what, Completion<T> done) {
        this.done = done;
        this.timer = scheduler.schedule(timeoutNanos, () -> complete(Outcome.failed(ErrorCode.UNAVAILABLE,
                what + ": no answer within " + timeoutNanos / 1_000_000 + " ms")));
    }

    public static <T> Completion<T> of(Scheduler scheduler, long timeoutNanos, String what, Completion<T> done) {
        return new Deadline<>(scheduler, timeoutNanos, what, done);
    }

    @Override
    public void complete(Outcome<T> outcome) {
        if (completed) {
            return;
        }
        completed = true;
        timer.cancel();
        done.complete(outcome);
    }
}
