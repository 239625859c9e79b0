package io.wharf.backup;

import java.util.Map;
import java.util.Objects;

/**
 * What to back up.
 *
 * @param volume       the volume's name (a DNS label, as volume names are)
 * @param source       the image to read
 * @param backupId     null to let the engine pick one; an id of an unfinished backup resumes it; an id
 *                     of a complete backup of the same volume returns that backup (idempotent retry)
 * @param labels       stored with the backup, e.g. {@code snapshot=<name>} so that
 *                     {@link VolumeSource#changedSince} can find the base's snapshot
 * @param forceFull    read every chunk even if an earlier backup of the volume exists
 * @param baseBackupId null for the volume's newest complete backup, else the backup to be
 *                     incremental to
 */
public record BackupRequest(String volume, VolumeSource source, String backupId, Map<String, String> labels,
                            boolean forceFull, String baseBackupId) {
    public BackupRequest {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(source, "source");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public static BackupRequest of(String volume, VolumeSource source) {
        return new BackupRequest(volume, source, null, Map.of(), false, null);
    }

    public BackupRequest withBackupId(String id) {
        return new BackupRequest(volume, source, id, labels, forceFull, baseBackupId);
    }

    public BackupRequest withLabels(Map<String, String> newLabels) {
        return new BackupRequest(volume, source, backupId, newLabels, forceFull, baseBackupId);
    }

    public BackupRequest full() {
        return new BackupRequest(volume, source, backupId, labels, true, baseBackupId);
    }

    public BackupRequest withBase(String base) {
        return new BackupRequest(volume, source, backupId, labels, forceFull, base);
    }
}
