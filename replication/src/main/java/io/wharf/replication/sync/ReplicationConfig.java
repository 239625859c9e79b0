package io.wharf.replication.sync;

import java.time.Duration;

/**
 * Tuning of synchronous replication, validated here.
 *
 * @param regionBytes          preferred region size (power of two, at most 1 MiB): the grain of the
 *                             activity log, dirty tracking and copies
 * @param requestTimeoutNanos  a replica call without an answer by then counts as a failure of the replica
 * @param storeRetryNanos      pause between attempts at a cluster-store update that got no answer
 * @param storeAttempts        attempts at one store update before the target gives up and fails its I/O
 * @param resyncBytesPerSecond bandwidth of resync and rebuild copies per replica; 0 for no limit
 * @param resyncRetryNanos     how long the target waits before trying an out-of-sync replica again
 * @param settleEveryFlushes   successful flushes between two settlements of the activity log
 * @param maxPendingOps        bound on the writes, trims and flushes a target holds at once
 * @param settleIdleNanos      a region leaves the activity logs only after staying idle this long (rounds at
 *                             most this often), so hot regions cost no metadata save per write; 0: every
 *                             settleable region at every round (the most settling, which the simulator runs)
 * @param activityLogRegions   regions the activity logs keep (the hot set) before a round settles idle ones,
 *                             as DRBD's {@code al-extents}: writes within the hot set cost no metadata save,
 *                             and a takeover reconciles at most about this many regions of a log at rest;
 *                             0: no hot set (every idle region is settled)
 */
public record ReplicationConfig(int regionBytes, long requestTimeoutNanos, long storeRetryNanos, int storeAttempts,
                                long resyncBytesPerSecond, long resyncRetryNanos, int settleEveryFlushes, int maxPendingOps,
                                long settleIdleNanos, int activityLogRegions) {
    public static final ReplicationConfig DEFAULTS = new ReplicationConfig(1 << 20, Duration.ofSeconds(8).toNanos(),
            Duration.ofMillis(500).toNanos(), 20, 100L << 20, Duration.ofSeconds(5).toNanos(), 8, 4096,
            Duration.ofSeconds(1).toNanos(), 1024);

    public ReplicationConfig {
        RegionGeometry.of(1, regionBytes); // validates the region size
        if (requestTimeoutNanos <= 0 || storeRetryNanos <= 0 || storeAttempts < 1 || resyncBytesPerSecond < 0
                || resyncRetryNanos <= 0 || settleEveryFlushes < 1 || maxPendingOps < 1 || settleIdleNanos < 0
                || activityLogRegions < 0) {
            throw new IllegalArgumentException("replication settings out of range: " + this);
        }
    }
}
