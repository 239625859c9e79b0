package io.wharf.api;

/** The body of {@code POST /v1/volumes/{name}/attach}: the target node, or null for the node that answers. */
public record VolumeAttach(String node) {}
