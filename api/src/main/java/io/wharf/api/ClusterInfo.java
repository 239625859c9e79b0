package io.wharf.api;

import java.util.List;

/** The whole cluster at a glance. */
public record ClusterInfo(
        String clusterId,
        String version,
        List<NodeInfo> nodes,
        long capacityBytes,
        long usedBytes,
        long provisionedBytes,
        int volumes) {
    public ClusterInfo {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
