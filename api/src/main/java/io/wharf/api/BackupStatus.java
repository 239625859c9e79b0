package io.wharf.api;

/**
 * A backup, or a backup or restore job.
 *
 * @param kind          {@code backup} or {@code restore}
 * @param state         {@code running}, {@code done} or {@code failed}
 * @param node          the node running (or that ran) the job; null for a backup only listed from its target
 * @param doneBytes     progress of a running job (of {@code totalBytes})
 * @param sizeBytes     the volume's size
 * @param full          every chunk was read (first backup, forced, or every Nth)
 * @param baseBackupId  the backup an incremental started from
 * @param uploadedBytes what this backup sent to the target (compressed, encrypted)
 * @param newBytes      bytes of data chunks this backup added (before compression)
 * @param dataBytes     bytes of the chunks that hold data (what a restore writes)
 * @param snapshot      the volume's snapshot the backup was taken from
 * @param backupId      for a restore, the backup it reads; for a backup, its id
 * @param error         why a job failed
 */
public record BackupStatus(String id, String kind, String volume, String target, String state, String node, long doneBytes,
                           long totalBytes, long sizeBytes, boolean full, String baseBackupId, long uploadedBytes, long newBytes,
                           long dataBytes, String snapshot, String backupId, String error, String startedAt, String finishedAt) {}
