package io.wharf.backup;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A complete backup as listed and inspected: what it holds and what it cost.
 *
 * @param backupId        unique in the target
 * @param volume          the volume's name
 * @param sizeBytes       logical size of the volume image
 * @param chunkSizeBytes  the fixed chunk size; chunk {@code i} covers {@code [i * chunkSizeBytes, ...)}
 * @param baseBackupId    the backup whose chunk list this one started from (null for a full backup);
 *                        informational only: the manifest is complete on its own, so deleting the
 *                        base does not affect this backup
 * @param full            true when every chunk was read from the source (first backup, forced, or the
 *                        "full every N" rule), false for an incremental that read only changed ranges
 * @param chainPosition   0 for a full backup, else the number of incrementals since the last full one
 * @param createdAt       when the backup started
 * @param completedAt     when its manifest was written
 * @param labels          the caller's labels (e.g. the snapshot it was taken from)
 * @param encrypted       chunks and manifest are encrypted
 * @param dataBytes       bytes of the chunks that hold data (what a restore writes)
 * @param chunkCount      chunks that hold data
 * @param scannedBytes    bytes read from the source (over all runs of a resumed backup)
 * @param newBytes        bytes of the chunks this backup added to the target (before compression)
 * @param uploadedBytes   bytes this backup sent to the target for them (compressed, encrypted)
 * @param uploadedChunks  chunks this backup added to the target
 * @param storedBytes     bytes in the target of all chunks this backup references (shared chunks
 *                        counted in full); what the backup would occupy alone
 */
public record BackupInfo(String backupId, String volume, long sizeBytes, int chunkSizeBytes, String baseBackupId,
                         boolean full, int chainPosition, Instant createdAt, Instant completedAt,
                         Map<String, String> labels, boolean encrypted, long dataBytes, long chunkCount,
                         long scannedBytes, long newBytes, long uploadedBytes, long uploadedChunks, long storedBytes) {
    public BackupInfo {
        Objects.requireNonNull(backupId, "backupId");
        Objects.requireNonNull(volume, "volume");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
