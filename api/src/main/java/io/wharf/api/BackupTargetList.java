package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/backup-targets}. */
public record BackupTargetList(List<BackupTargetInfo> targets) {
    public BackupTargetList {
        targets = targets == null ? List.of() : List.copyOf(targets);
    }
}
