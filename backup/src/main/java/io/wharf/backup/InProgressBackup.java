package io.wharf.backup;

import java.time.Instant;
import java.util.Map;

/**
 * A backup that was started and has no manifest yet: running now, or interrupted (process killed,
 * target unreachable). Resume it with {@link BackupEngine#create} and the same id and source, or drop
 * it with {@link BackupEngine#delete}. Its chunks are kept by garbage collection until then.
 *
 * @param chunksToRead chunks it reads from the source in all: every chunk of the volume for a full
 *                     backup, the changed ones for an incremental (0 before it planned)
 * @param chunksRead   of those, the chunks its journal records as done (stored, found in the target,
 *                     or all zero); a resumed run starts after them
 */
public record InProgressBackup(String backupId, String volume, Instant createdAt, Map<String, String> labels,
                               long chunksToRead, long chunksRead) {}
