package io.wharf.backup;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link BackupEngine}, validated.
 *
 * @param chunkSizeBytes      fixed chunk size for new backups: a power of two from 64 KiB to 64 MiB
 *                            (default 4 MiB). Dedup works between backups of the same chunk size.
 * @param concurrency         concurrent requests to the target, and chunks compressed at once (default 4)
 * @param bandwidthBytesPerSecond limit on bytes sent to and read from the target, 0 for none
 * @param fullEvery           every {@code fullEvery}-th backup of a volume is full (default 7, Portworx's
 *                            default: a full one, six incrementals, a full one...); 1 makes every
 *                            backup full
 * @param compressionLevel    zstd level, 1 (fast) to 19 (default 1)
 * @param pbkdf2Iterations    PBKDF2 iterations for a passphrase, used when an encrypted target is
 *                            initialised (stored in the target; default 600,000)
 * @param gcPollInterval      how often a backup that waits for a garbage collection looks again
 * @param gcWaitTimeout       how long a backup waits for a garbage collection before failing with GC_BUSY
 * @param gcStaleAfter        a collection whose heartbeat is older than this is taken as dead
 * @param gcHeartbeat         how often a running collection refreshes its heartbeat
 */
public record BackupConfig(int chunkSizeBytes, int concurrency, long bandwidthBytesPerSecond, int fullEvery,
                           int compressionLevel, int pbkdf2Iterations, Duration gcPollInterval,
                           Duration gcWaitTimeout, Duration gcStaleAfter, Duration gcHeartbeat) {
    public static final int MIN_CHUNK = 64 * 1024;
    public static final int MAX_CHUNK = 64 * 1024 * 1024;
    public static final int DEFAULT_CHUNK = 4 * 1024 * 1024;

    public BackupConfig {
        Objects.requireNonNull(gcPollInterval, "gcPollInterval");
        Objects.requireNonNull(gcWaitTimeout, "gcWaitTimeout");
        Objects.requireNonNull(gcStaleAfter, "gcStaleAfter");
        Objects.requireNonNull(gcHeartbeat, "gcHeartbeat");
        if (chunkSizeBytes < MIN_CHUNK || chunkSizeBytes > MAX_CHUNK || Integer.bitCount(chunkSizeBytes) != 1) {
            throw invalid("chunk size " + chunkSizeBytes + " is not a power of two from 64 KiB to 64 MiB");
        }
        if (concurrency < 1 || concurrency > 64) {
            throw invalid("concurrency " + concurrency + " is not from 1 to 64");
        }
        if (bandwidthBytesPerSecond < 0) {
            throw invalid("bandwidth limit " + bandwidthBytesPerSecond + " is negative");
        }
        if (fullEvery < 1 || fullEvery > 1000) {
            throw invalid("full-every " + fullEvery + " is not from 1 to 1000");
        }
        if (compressionLevel < 1 || compressionLevel > 19) {
            throw invalid("compression level " + compressionLevel + " is not from 1 to 19");
        }
        if (pbkdf2Iterations < 10_000) {
            throw invalid("PBKDF2 iterations " + pbkdf2Iterations + " is below 10,000");
        }
        if (gcPollInterval.isNegative() || gcPollInterval.isZero() || gcHeartbeat.isNegative() || gcHeartbeat.isZero()
                || gcStaleAfter.compareTo(gcHeartbeat.multipliedBy(3)) < 0) {
            throw invalid("GC timings are inconsistent: stale-after must be at least three heartbeats");
        }
    }

    public static BackupConfig defaults() {
        return new BackupConfig(DEFAULT_CHUNK, 4, 0, 7, 1, 600_000, Duration.ofSeconds(5), Duration.ofHours(2),
                Duration.ofMinutes(10), Duration.ofSeconds(30));
    }

    public BackupConfig withChunkSize(int bytes) {
        return new BackupConfig(bytes, concurrency, bandwidthBytesPerSecond, fullEvery, compressionLevel,
                pbkdf2Iterations, gcPollInterval, gcWaitTimeout, gcStaleAfter, gcHeartbeat);
    }

    public BackupConfig withConcurrency(int requests) {
        return new BackupConfig(chunkSizeBytes, requests, bandwidthBytesPerSecond, fullEvery, compressionLevel,
                pbkdf2Iterations, gcPollInterval, gcWaitTimeout, gcStaleAfter, gcHeartbeat);
    }

    public BackupConfig withBandwidth(long bytesPerSecond) {
        return new BackupConfig(chunkSizeBytes, concurrency, bytesPerSecond, fullEvery, compressionLevel,
                pbkdf2Iterations, gcPollInterval, gcWaitTimeout, gcStaleAfter, gcHeartbeat);
    }

    public BackupConfig withFullEvery(int backups) {
        return new BackupConfig(chunkSizeBytes, concurrency, bandwidthBytesPerSecond, backups, compressionLevel,
                pbkdf2Iterations, gcPollInterval, gcWaitTimeout, gcStaleAfter, gcHeartbeat);
    }

    public BackupConfig withPbkdf2Iterations(int iterations) {
        return new BackupConfig(chunkSizeBytes, concurrency, bandwidthBytesPerSecond, fullEvery, compressionLevel,
                iterations, gcPollInterval, gcWaitTimeout, gcStaleAfter, gcHeartbeat);
    }

    public BackupConfig withGcTimings(Duration poll, Duration waitTimeout, Duration staleAfter, Duration heartbeat) {
        return new BackupConfig(chunkSizeBytes, concurrency, bandwidthBytesPerSecond, fullEvery, compressionLevel,
                pbkdf2Iterations, poll, waitTimeout, staleAfter, heartbeat);
    }

    private static WharfException invalid(String message) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, message, "see BackupConfig for the allowed values");
    }
}
