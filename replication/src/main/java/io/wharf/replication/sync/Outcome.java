package io.wharf.replication.sync;

import io.wharf.core.ErrorCode;
import java.util.Objects;

/**
 * How an asynchronous call to a replica or to the cluster store ended. Three cases, each handled
 * differently by the protocol, so callers switch over them exhaustively.
 */
public sealed interface Outcome<T> {
    /** The call did what it says. */
    record Ok<T>(T value) implements Outcome<T> {}

    /**
     * The replica has seen epoch {@code epoch}, newer than the caller's: a newer target exists and
     * the caller is fenced. Never retried.
     */
    record StaleEpoch<T>(long epoch) implements Outcome<T> {}

    /**
     * The call failed or got no answer (lost link, timeout, I/O error, store unreachable). What
     * happened on the other side is unknown: a write may or may not have been applied, a
     * compare-and-set may or may not have been committed.
     */
    record Failed<T>(ErrorCode code, String message) implements Outcome<T> {
        public Failed {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }

    static <T> Outcome<T> ok(T value) {
        return new Ok<>(value);
    }

    static Outcome<Void> done() {
        return new Ok<>(null);
    }

    static <T> Outcome<T> failed(ErrorCode code, String message) {
        return new Failed<>(code, message);
    }

    /** The same non-Ok outcome for another value type (an Ok cannot be converted). */
    @SuppressWarnings("unchecked")
    static <T, U> Outcome<U> castFailure(Outcome<T> outcome) {
        if (outcome instanceof Ok<T>) {
            throw new IllegalArgumentException("not a failure: " + outcome);
        }
        return (Outcome<U>) outcome;
    }
}
