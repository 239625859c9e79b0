package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/** A named snapshot schedule, at {@link Keys#policy(String)}. */
public record PolicyRecord(int schemaVersion, String name, String schedule, Instant createdAt) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public PolicyRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public static PolicyRecord of(String name, String schedule, Instant createdAt) {
        return new PolicyRecord(SCHEMA_VERSION, name, schedule, createdAt);
    }
}
