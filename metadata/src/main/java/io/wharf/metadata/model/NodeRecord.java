package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A running node, at {@link Keys#node(String)}; written with the node's lease, so it disappears
 * when the node stops renewing it.
 *
 * @param apiAddress host:port of the REST API
 * @param nbdAddress host:port of the NBD server
 * @param version    the Wharf version the node runs
 */
public record NodeRecord(int schemaVersion, String id, String apiAddress, String nbdAddress, String version,
                         Instant startedAt) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public NodeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    public static NodeRecord of(String id, String apiAddress, String nbdAddress, String version, Instant startedAt) {
        return new NodeRecord(SCHEMA_VERSION, id, apiAddress, nbdAddress, version, startedAt);
    }
}
