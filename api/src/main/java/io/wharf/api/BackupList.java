package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/backups}. */
public record BackupList(List<BackupStatus> backups) {
    public BackupList {
        backups = backups == null ? List.of() : List.copyOf(backups);
    }
}
