package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/** The cluster's identity, at {@link Keys#cluster()}; written once, when the cluster is created. */
public record ClusterRecord(int schemaVersion, String clusterId, Instant createdAt) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public ClusterRecord {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public static ClusterRecord of(String clusterId, Instant createdAt) {
        return new ClusterRecord(SCHEMA_VERSION, clusterId, createdAt);
    }
}
