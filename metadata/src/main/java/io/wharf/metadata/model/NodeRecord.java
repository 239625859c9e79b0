package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A node that joined the cluster, at {@link Keys#node(String)}. It stays when the node stops (so
 * the node shows offline, and rejoins under its id); {@link NodeLiveness} says whether it runs.
 *
 * @param instance         the id of the node's data directory: a node that starts with the same
 *                         node id but another data directory is not this node
 * @param apiAddress       host:port of the REST API
 * @param nbdAddress       host:port of the NBD server
 * @param replAddress      host:port of the replication transport, or null when it has none
 * @param zone             failure domain for placement (e.g. a cloud zone), or null
 * @param rack             failure domain inside a zone, or null
 * @param storageless      true when the node has no pool: it can be a target, never hold data
 * @param maintenance      true while an operator keeps new placements off it
 * @param capacityBytes    pool capacity as the node last reported it (0 when storageless)
 * @param usedBytes        pool bytes holding data, as last reported
 * @param provisionedBytes sum of the sizes of the volumes in its pool, as last reported
 * @param overcommitRatio  thin provisioning: the node's volumes may reach capacity times this
 * @param version          the Wharf version the node runs
 * @param startedAt        when the node last started
 * @param reportedAt       when the node last wrote this record
 * @param labels           the node's labels (e.g. disk=ssd), which volumes can require at placement
 * @param poolPath         the pool's directory on the node, or null when storageless (or written by an older version)
 */
public record NodeRecord(int schemaVersion, String id, String instance, String apiAddress, String nbdAddress, String replAddress,
                         String zone, String rack, boolean storageless, boolean maintenance, long capacityBytes,
                         long usedBytes, long provisionedBytes, double overcommitRatio, String version, Instant startedAt,
                         Instant reportedAt, java.util.Map<String, String> labels, String poolPath)
        implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public NodeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(startedAt, "startedAt");
        reportedAt = reportedAt == null ? startedAt : reportedAt;
        labels = labels == null ? java.util.Map.of() : java.util.Map.copyOf(labels);
    }

    /** A node as it starts; its pool figures come with {@link #withUsage}. */
    public static NodeRecord of(String id, String instance, String apiAddress, String nbdAddress, String replAddress, String zone,
                                String rack, boolean storageless, String version, Instant startedAt,
                                java.util.Map<String, String> labels, String poolPath) {
        return new NodeRecord(SCHEMA_VERSION, id, instance, apiAddress, nbdAddress, replAddress, zone, rack, storageless, false,
                0, 0, 0, 1.0, version, startedAt, startedAt, labels, poolPath);
    }

    public NodeRecord withUsage(long capacity, long used, long provisioned, double overcommit, Instant now) {
        return new NodeRecord(SCHEMA_VERSION, id, instance, apiAddress, nbdAddress, replAddress, zone, rack, storageless,
                maintenance, capacity, used, provisioned, overcommit, version, startedAt, now, labels, poolPath);
    }

    public NodeRecord withMaintenance(boolean on, Instant now) {
        return new NodeRecord(SCHEMA_VERSION, id, instance, apiAddress, nbdAddress, replAddress, zone, rack, storageless, on,
                capacityBytes, usedBytes, provisionedBytes, overcommitRatio, version, startedAt, now, labels, poolPath);
    }

    /** This node as it starts again: new addresses and version, the operator's maintenance flag kept. */
    public NodeRecord restartedAs(NodeRecord fresh) {
        return new NodeRecord(SCHEMA_VERSION, id, instance, fresh.apiAddress, fresh.nbdAddress, fresh.replAddress, fresh.zone,
                fresh.rack, fresh.storageless, maintenance, capacityBytes, usedBytes, provisionedBytes, overcommitRatio, fresh.version,
                fresh.startedAt, fresh.reportedAt, fresh.labels, fresh.poolPath);
    }
}
