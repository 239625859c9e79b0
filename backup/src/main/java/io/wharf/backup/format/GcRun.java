package io.wharf.backup.format;

import java.time.Instant;

/**
 * {@code gc/<runId>}: a garbage collection's record, written before it lists anything, refreshed as
 * a heartbeat while it runs, and left with state FINISHED or ABORTED (pruned after a day).
 */
public record GcRun(int format, String runId, State state, Instant startedAt, Instant heartbeatAt) {
    public static final int FORMAT = 1;

    public enum State { RUNNING, FINISHED, ABORTED }
}
