package io.wharf.metadata.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link EmbeddedStore}.
 *
 * @param directory          where the lock, log segments and snapshot live; created if missing
 * @param historyRevisions   how many recent revisions of watch history to keep in memory
 * @param snapshotLogBytes   log segment size after which a snapshot is written and the log restarts
 * @param leaseCheckInterval how often ended leases are looked for (on the real clock)
 */
public record EmbeddedStoreConfig(Path directory, int historyRevisions, long snapshotLogBytes, Duration leaseCheckInterval) {
    public static final int DEFAULT_HISTORY_REVISIONS = 10_000;
    public static final long DEFAULT_SNAPSHOT_LOG_BYTES = 64L * 1024 * 1024;
    public static final Duration DEFAULT_LEASE_CHECK_INTERVAL = Duration.ofMillis(250);

    public EmbeddedStoreConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(leaseCheckInterval, "leaseCheckInterval");
        if (historyRevisions < 1 || historyRevisions > 1_000_000) {
            throw new IllegalArgumentException("historyRevisions must be 1..1000000, was " + historyRevisions);
        }
        if (snapshotLogBytes < 1024) {
            throw new IllegalArgumentException("snapshotLogBytes must be at least 1024, was " + snapshotLogBytes);
        }
        if (leaseCheckInterval.toMillis() < 1) {
            throw new IllegalArgumentException("leaseCheckInterval must be at least 1ms, was " + leaseCheckInterval);
        }
    }

    public static EmbeddedStoreConfig defaults(Path directory) {
        return new EmbeddedStoreConfig(directory, DEFAULT_HISTORY_REVISIONS, DEFAULT_SNAPSHOT_LOG_BYTES,
                DEFAULT_LEASE_CHECK_INTERVAL);
    }

    public EmbeddedStoreConfig withHistoryRevisions(int revisions) {
        return new EmbeddedStoreConfig(directory, revisions, snapshotLogBytes, leaseCheckInterval);
    }

    public EmbeddedStoreConfig withSnapshotLogBytes(long bytes) {
        return new EmbeddedStoreConfig(directory, historyRevisions, bytes, leaseCheckInterval);
    }
}
