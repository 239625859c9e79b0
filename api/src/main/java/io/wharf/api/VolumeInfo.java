package io.wharf.api;

import java.util.Map;

/**
 * A volume as the API shows it.
 *
 * @param state          {@code available} or {@code in-use} (an NBD client is connected)
 * @param allocatedBytes pool space the volume's data takes (thin: grows with writes, shrinks with TRIM)
 * @param nbdUri         where an NBD client reaches the volume, e.g. {@code nbd://127.0.0.1:10809/db}
 * @param clients        NBD connections open on the volume now
 * @param snapshots      how many snapshots the volume has
 * @param source         {@code volume@snapshot} (or {@code volume}) this volume was cloned from, else null
 * @param snapshotSchedule the volume's own snapshot schedule (Portworx syntax), else null
 * @param schedulePolicy the named policy whose schedule the volume follows, else null
 * @param space          where the data sits (head, snapshots, shared); only when one volume is asked
 *                       for, null in lists
 * @param attachedTo     the node the volume is attached to (its NBD clients connect there), or null
 *                       when it is served by the node holding its data
 */
public record VolumeInfo(
        String name,
        String id,
        long sizeBytes,
        Map<String, String> labels,
        String state,
        long allocatedBytes,
        String nbdUri,
        int clients,
        String node,
        String createdAt,
        int snapshots,
        String source,
        String snapshotSchedule,
        String schedulePolicy,
        VolumeSpaceInfo space,
        String attachedTo,
        ReplicationInfo replication) {
    public VolumeInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A volume without its space breakdown (as lists show it). */
    public VolumeInfo(String name, String id, long sizeBytes, Map<String, String> labels, String state,
            long allocatedBytes, String nbdUri, int clients, String node, String createdAt, int snapshots,
            String source, String snapshotSchedule, String schedulePolicy) {
        this(name, id, sizeBytes, labels, state, allocatedBytes, nbdUri, clients, node, createdAt, snapshots,
                source, snapshotSchedule, schedulePolicy, null, null, null);
    }

    /** A volume without replication details. */
    public VolumeInfo(String name, String id, long sizeBytes, Map<String, String> labels, String state,
            long allocatedBytes, String nbdUri, int clients, String node, String createdAt, int snapshots,
            String source, String snapshotSchedule, String schedulePolicy, VolumeSpaceInfo space, String attachedTo) {
        this(name, id, sizeBytes, labels, state, allocatedBytes, nbdUri, clients, node, createdAt, snapshots,
                source, snapshotSchedule, schedulePolicy, space, attachedTo, null);
    }

    /** This volume with its space breakdown. */
    public VolumeInfo withSpace(VolumeSpaceInfo breakdown) {
        return new VolumeInfo(name, id, sizeBytes, labels, state, allocatedBytes, nbdUri, clients, node, createdAt,
                snapshots, source, snapshotSchedule, schedulePolicy, breakdown, attachedTo, replication);
    }

    /** This volume as attached to {@code target} (null: detached). */
    public VolumeInfo withAttachedTo(String target) {
        return new VolumeInfo(name, id, sizeBytes, labels, state, allocatedBytes, nbdUri, clients, node, createdAt,
                snapshots, source, snapshotSchedule, schedulePolicy, space, target, replication);
    }

    /** This volume with its replication details. */
    public VolumeInfo withReplication(ReplicationInfo details) {
        return new VolumeInfo(name, id, sizeBytes, labels, state, allocatedBytes, nbdUri, clients, node, createdAt,
                snapshots, source, snapshotSchedule, schedulePolicy, space, attachedTo, details);
    }
}
