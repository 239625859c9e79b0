package io.wharf.backup;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of one garbage collection.
 *
 * @param minChunkAge chunks younger than this (by the target's modification time) are kept even
 *                    when nothing references them. The protocol in {@code io.wharf.backup.gc} does
 *                    not need it; it is a second line of defence against a writer that does not
 *                    follow the protocol (an older version, a store whose listing lags its writes).
 *                    Default one hour.
 * @param dryRun      count what would be deleted, delete nothing
 */
public record GcOptions(Duration minChunkAge, boolean dryRun) {
    public GcOptions {
        Objects.requireNonNull(minChunkAge, "minChunkAge");
        if (minChunkAge.isNegative()) {
            throw new IllegalArgumentException("negative minChunkAge");
        }
    }

    public static GcOptions defaults() {
        return new GcOptions(Duration.ofHours(1), false);
    }

    public GcOptions withMinChunkAge(Duration age) {
        return new GcOptions(age, dryRun);
    }

    public GcOptions asDryRun() {
        return new GcOptions(minChunkAge, true);
    }
}
