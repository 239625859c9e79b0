package io.wharf.backup.format;

import java.time.Instant;
import java.util.List;

/**
 * What a backup decided before reading anything: recorded in its first journal segment, so a resumed
 * run does the same backup.
 *
 * @param chunks        indexes of the chunks to read from the source, or null for all of them
 * @param gcRunsAtStart the garbage-collection runs recorded in the target when the backup started
 *                      (after waiting for running ones); a run not in this set started later and may
 *                      have deleted chunks copied from the base, which are then checked
 */
public record Plan(long sizeBytes, int chunkSizeBytes, String baseBackupId, boolean full, int chainPosition,
                   List<Long> chunks, List<String> gcRunsAtStart, Instant plannedAt) {}
