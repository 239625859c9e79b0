package io.wharf.api;

import java.util.List;

/**
 * Backups to object storage (or a directory): targets, background backups and restores. Served by
 * nodes beside {@link WharfApi}; every node answers for the whole cluster (a backup runs on the node
 * that holds its volume's data, a restore on the node asked). Failures are
 * {@link io.wharf.core.WharfException}s with the core codes: NOT_FOUND for an unknown target, backup
 * or job; VOLUME_NOT_FOUND; INVALID_ARGUMENT for a bad target location or options; PERMISSION_DENIED
 * for refused credentials or a wrong encryption key; UNAVAILABLE when the target cannot be reached;
 * IO_ERROR for a missing or corrupt chunk (the message names it).
 */
public interface BackupApi {
    /** Adds a target after checking that it can be reached with the given credentials (and key). */
    BackupTargetInfo createBackupTarget(BackupTargetCreate request);

    List<BackupTargetInfo> listBackupTargets();

    BackupTargetInfo getBackupTarget(String name);

    /** Forgets the target; the backups in it stay there. */
    void deleteBackupTarget(String name);

    /** Starts a backup of a volume: a snapshot now, uploaded in the background; returns its job. */
    BackupStatus createBackup(BackupCreate request);

    /**
     * Backups: the complete ones listed from the targets, and the jobs still running or failed.
     *
     * @param volume only this volume's, or null
     * @param target only this target's, or null for every target
     */
    List<BackupStatus> listBackups(String volume, String target);

    /** One backup (or backup job) by id, looked up in {@code target} or, with null, in every target. */
    BackupStatus getBackup(String id, String target);

    /** Deletes a complete backup from its target; chunks no other backup references go at the next collection. */
    void deleteBackup(String id, String target);

    /** Starts restoring a backup into a new volume on the node asked; returns the restore's job. */
    BackupStatus restoreBackup(String id, BackupRestore request);

    /** Sets (or replaces) a volume's backup schedule; refused for a bad schedule, an unknown volume or target. */
    BackupScheduleInfo setBackupSchedule(String volume, BackupScheduleSet request);

    List<BackupScheduleInfo> listBackupSchedules();

    /** Stops scheduling the volume's backups; the backups stay. */
    void deleteBackupSchedule(String volume);

    /** A background job (backup id, or {@code restore-<volume>}) with its progress. */
    BackupStatus getBackupJob(String id);
}
