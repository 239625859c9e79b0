package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A backup or restore that a node runs in the background, at {@link Keys#backupJob(String)}: its
 * state and progress, so any node can show it and its node resumes it after a restart.
 *
 * @param kind        {@code backup} or {@code restore}
 * @param id          the backup's id (a restore job is keyed {@code restore-<new volume>})
 * @param volume      the volume backed up, or the new volume a restore writes
 * @param node        the node running the job
 * @param snapshot    the snapshot a backup reads (kept as the base of the next incremental), or null
 * @param backupId    for a restore, the backup it reads; for a backup, its own id
 * @param state       {@code running}, {@code done} or {@code failed}
 * @param error       why it failed, or null
 * @param bandwidthBytesPerSecond the job's transfer limit, 0 for none (kept for a resumed run)
 * @param rule        the backup schedule rule that started it ({@code daily}, ...), or null when asked for
 * @param keep        the rule's retention when it started the job: after it, the rule's newest {@code keep} backups stay
 */
public record BackupJobRecord(int schemaVersion, String kind, String id, String volume, String target, String node, String snapshot,
                              String backupId, String state, long doneBytes, long totalBytes, String error, Instant startedAt,
                              Instant finishedAt, long bandwidthBytesPerSecond, String rule, int keep) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;
    public static final String BACKUP = "backup";
    public static final String RESTORE = "restore";
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    public BackupJobRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    public static BackupJobRecord started(String kind, String id, String volume, String target, String node, String snapshot,
                                          String backupId, long bandwidthBytesPerSecond, Instant now) {
        return new BackupJobRecord(SCHEMA_VERSION, kind, id, volume, target, node, snapshot, backupId, RUNNING, 0, 0, null, now, null,
                bandwidthBytesPerSecond, null, 0);
    }

    /** This job as started by a schedule rule that keeps {@code ruleKeep} backups. */
    public BackupJobRecord byRule(String ruleKind, int ruleKeep) {
        return new BackupJobRecord(SCHEMA_VERSION, kind, id, volume, target, node, snapshot, backupId, state, doneBytes, totalBytes, error,
                startedAt, finishedAt, bandwidthBytesPerSecond, ruleKind, ruleKeep);
    }

    public BackupJobRecord withProgress(long done, long total) {
        return new BackupJobRecord(SCHEMA_VERSION, kind, id, volume, target, node, snapshot, backupId, state, done, total, error,
                startedAt, finishedAt, bandwidthBytesPerSecond, rule, keep);
    }

    public BackupJobRecord finished(String endState, String failure, Instant now) {
        return new BackupJobRecord(SCHEMA_VERSION, kind, id, volume, target, node, snapshot, backupId, endState,
                DONE.equals(endState) ? Math.max(doneBytes, totalBytes) : doneBytes, totalBytes, failure, startedAt, now,
                bandwidthBytesPerSecond, rule, keep);
    }

    public boolean running() {
        return RUNNING.equals(state);
    }
}
