package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/backup-schedules}. */
public record BackupScheduleList(List<BackupScheduleInfo> schedules) {
    public BackupScheduleList {
        schedules = schedules == null ? List.of() : List.copyOf(schedules);
    }
}
