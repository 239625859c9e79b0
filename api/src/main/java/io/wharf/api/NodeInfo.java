package io.wharf.api;

/**
 * One node of the cluster.
 *
 * @param state            {@code online}, {@code offline} (its lease expired or it stopped) or
 *                         {@code maintenance} (online, but no new placements)
 * @param zone             failure domain, or null
 * @param rack             failure domain inside the zone, or null
 * @param maintenance      the operator's flag; kept while the node is offline
 * @param capacityBytes    pool capacity as the node last reported it
 * @param usedBytes        pool bytes holding data, as last reported
 * @param provisionedBytes sum of the sizes of the volumes in its pool, as last reported
 * @param startedAt        when the node last started, ISO-8601 UTC
 * @param reportedAt       when the node last reported its figures, ISO-8601 UTC
 * @param labels           the node's labels, which volumes can require with a node selector
 */
public record NodeInfo(
        String id,
        String state,
        String apiAddress,
        String nbdAddress,
        String zone,
        String rack,
        boolean maintenance,
        String version,
        long capacityBytes,
        long usedBytes,
        long provisionedBytes,
        String startedAt,
        String reportedAt,
        java.util.Map<String, String> labels) {
    public NodeInfo {
        labels = labels == null ? java.util.Map.of() : java.util.Map.copyOf(labels);
    }
}
