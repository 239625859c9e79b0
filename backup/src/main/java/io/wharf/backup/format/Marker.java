package io.wharf.backup.format;

import java.time.Instant;
import java.util.Map;

/**
 * {@code inprogress/<id>/marker}: written before a backup reads or relies on anything in the target,
 * deleted after its manifest. Its presence makes the backup's journal a root for garbage collection.
 */
public record Marker(int format, String backupId, String volume, Instant createdAt, Map<String, String> labels,
                     boolean forceFull, String requestedBase) {
    public static final int FORMAT = 1;
}
