package io.wharf.api;

/**
 * The body of {@code PUT /v1/backup-schedules/{volume}}.
 *
 * @param schedule rules in the snapshot-policy syntax, e.g. {@code daily=02:00,keep=7;weekly=sun@03:00,keep=4}
 */
public record BackupScheduleSet(String target, String schedule) {}
