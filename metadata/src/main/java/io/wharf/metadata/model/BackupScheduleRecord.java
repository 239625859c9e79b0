package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A volume's backup schedule, at {@link Keys#backupSchedule(String)}: rules in the snapshot-policy
 * syntax ({@code periodic=6h,keep=4;daily=02:00,keep=7}); each rule keeps its newest {@code keep}
 * backups in {@code target}.
 *
 * @param since when the schedule was set: a rule that never ran counts from here
 */
public record BackupScheduleRecord(int schemaVersion, String volume, String target, String schedule, Instant since)
        implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public BackupScheduleRecord {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(since, "since");
    }

    public static BackupScheduleRecord of(String volume, String target, String schedule, Instant since) {
        return new BackupScheduleRecord(SCHEMA_VERSION, volume, target, schedule, since);
    }
}
