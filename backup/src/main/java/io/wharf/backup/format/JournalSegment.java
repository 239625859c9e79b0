package io.wharf.backup.format;

import java.util.List;

/**
 * {@code inprogress/<id>/journal-<sequence>}: what a backup did since its previous segment. A
 * checkpoint segment repeats everything before it (so older segments can go).
 *
 * @param plan      set in segment 0 and in checkpoints
 * @param reserved  chunk ids the backup is about to rely on (reserved before the exists check and
 *                  upload, so that a garbage collection that reads the journal keeps them)
 * @param done      chunks finished: copied from the base, found in the target, or uploaded
 * @param zeros     chunk indexes read and found all zero (stored nowhere)
 */
public record JournalSegment(int format, long sequence, boolean checkpoint, Plan plan, List<String> reserved,
                             List<ChunkRef> done, List<Long> zeros, long scannedBytes, long newBytes,
                             long uploadedBytes, long uploadedChunks) {
    public static final int FORMAT = 1;
}
