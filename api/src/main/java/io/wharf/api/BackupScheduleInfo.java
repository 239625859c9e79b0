package io.wharf.api;

/** A volume's backup schedule: each rule keeps its newest {@code keep} backups in the target. */
public record BackupScheduleInfo(String volume, String target, String schedule, String since) {}
