package io.wharf.metadata.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A volume, at {@link Keys#volume(String)}.
 *
 * @param id   stable identity; the name can be reused after a delete, the id cannot
 * @param node   the node whose pool holds the volume's data
 * @param attachedTo the node the volume is attached to (its NBD target, reaching the data over the
 *                   replication transport when that is another node), or null: served where the data is
 * @param source {@code volume} or {@code volume@snapshot} this volume was cloned from; null if none
 *               (absent in records written before clones existed)
 * @param snapshotSchedule the volume's own snapshot schedule, or null
 * @param schedulePolicy   the policy whose schedule the volume follows, or null
 * @param scheduleSince    when the schedule or policy was last set: a rule that never ran counts from here
 * @param epoch    raised by every attach of a replicated volume (replicas refuse a lower one); 0 before
 *                 the first attach and for unreplicated volumes
 * @param epochTarget the node that raised the epoch to {@code epoch} (the replicated volume's current target,
 *                 which serves it until the node {@link #target()} names takes the next epoch), or null
 * @param replicas a replicated volume's replicas (the first is on {@code node}), empty for an unreplicated
 *                 volume, whose data is only on {@code node}
 */
public record VolumeRecord(int schemaVersion, String id, String name, long sizeBytes, Map<String, String> labels,
                           VolumeState state, String node, Instant createdAt, String source,
                           String snapshotSchedule, String schedulePolicy, Instant scheduleSince,
                           String attachedTo, long epoch, String epochTarget, List<VolumeReplica> replicas) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public VolumeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("volume " + name + " has negative size " + sizeBytes);
        }
    }

    /** A new record in the current schema. */
    public static VolumeRecord of(String id, String name, long sizeBytes, Map<String, String> labels,
                                  VolumeState state, String node, Instant createdAt) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, null, null, null, null,
                null, 0, null, List.of());
    }

    /** A clone's record: {@code source} is {@code volume} or {@code volume@snapshot}. */
    public VolumeRecord withSource(String cloneSource) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, cloneSource,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo, epoch, epochTarget, replicas);
    }

    /** This volume in another state, written in the current schema. */
    public VolumeRecord withState(VolumeState next) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, next, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo, epoch, epochTarget, replicas);
    }

    /** This volume with another size, written in the current schema. */
    public VolumeRecord withSize(long nextSizeBytes) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, nextSizeBytes, labels, state, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo, epoch, epochTarget, replicas);
    }

    /** This volume with another schedule and policy (either may be null), counted from {@code since}. */
    public VolumeRecord withSchedule(String schedule, String policy, Instant since) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, source,
                schedule, policy, since, attachedTo, epoch, epochTarget, replicas);
    }

    /** This volume attached to {@code target} (its NBD clients connect there), or detached with null. */
    public VolumeRecord withAttachedTo(String target) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, target, epoch, epochTarget, replicas);
    }

    /** This volume with its replication state: the epoch, the node that took it, and the replicas. */
    public VolumeRecord withReplication(long nextEpoch, String nextEpochTarget, List<VolumeReplica> nextReplicas) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo, nextEpoch, nextEpochTarget, nextReplicas);
    }

    /** This volume with its record held by {@code nextNode} (a replicated volume whose node's copy was replaced). */
    public VolumeRecord withNode(String nextNode) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, nextNode, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo, epoch, epochTarget, replicas);
    }

    /** Whether the volume is synchronously replicated (it has replicas; possibly one left). */
    public boolean replicated() {
        return !replicas.isEmpty();
    }

    /** Whether {@code nodeId} holds the volume's data: its node, or one of its replicas. */
    public boolean holdsData(String nodeId) {
        return nodeId.equals(node) || replicas.stream().anyMatch(replica -> replica.node().equals(nodeId));
    }

    /** The node that serves the volume's NBD clients: where it is attached, else the node holding its data. */
    public String target() {
        return attachedTo == null ? node : attachedTo;
    }
}
