package io.wharf.api;

/**
 * A request to snapshot a volume: the body of {@code POST /v1/volumes/{name}/snapshots}.
 * {@code name} may be left out (or the body left empty) for a name the node generates.
 */
public record SnapshotCreate(String name) {}
