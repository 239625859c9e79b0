package io.wharf.api;

/** The body of {@code POST /v1/backups/{id}/restore}: the target holding the backup and the new volume's name. */
public record BackupRestore(String target, String volume) {}
