package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/nodes}. */
public record NodeList(List<NodeInfo> nodes) {
    public NodeList {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
