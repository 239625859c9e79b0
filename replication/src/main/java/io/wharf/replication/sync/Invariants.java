package io.wharf.replication.sync;

/**
 * Checks that stay on in production (unlike {@code assert}): a broken invariant of the protocol is
 * a bug, and continuing could lose data, so it throws {@link AssertionError} and the node stops.
 */
public final class Invariants {
    private Invariants() {}

    public static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("replication invariant broken: " + what);
        }
    }
}
