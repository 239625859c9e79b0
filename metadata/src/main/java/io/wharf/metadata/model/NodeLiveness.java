package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * Proof that a node runs, at {@link Keys#live(String)}: written with the node's lease, so it
 * disappears when the node stops renewing it (killed, hung, or cut off from the store). A node is
 * online exactly while this key exists.
 *
 * @param startedAt when this run of the node started (tells a restart from a long-lived node)
 */
public record NodeLiveness(int schemaVersion, String id, Instant startedAt) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public NodeLiveness {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(startedAt, "startedAt");
    }

    public static NodeLiveness of(String id, Instant startedAt) {
        return new NodeLiveness(SCHEMA_VERSION, id, startedAt);
    }
}
