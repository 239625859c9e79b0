package io.wharf.metadata.model;

import java.time.Instant;
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
 */
public record VolumeRecord(int schemaVersion, String id, String name, long sizeBytes, Map<String, String> labels,
                           VolumeState state, String node, Instant createdAt, String source,
                           String snapshotSchedule, String schedulePolicy, Instant scheduleSince,
                           String attachedTo) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public VolumeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("volume " + name + " has negative size " + sizeBytes);
        }
    }

    /** A new record in the current schema. */
    public static VolumeRecord of(String id, String name, long sizeBytes, Map<String, String> labels,
                                  VolumeState state, String node, Instant createdAt) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, null, null, null, null,
                null);
    }

    /** A clone's record: {@code source} is {@code volume} or {@code volume@snapshot}. */
    public VolumeRecord withSource(String cloneSource) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, cloneSource,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo);
    }

    /** This volume in another state, written in the current schema. */
    public VolumeRecord withState(VolumeState next) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, next, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo);
    }

    /** This volume with another size, written in the current schema. */
    public VolumeRecord withSize(long nextSizeBytes) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, nextSizeBytes, labels, state, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, attachedTo);
    }

    /** This volume with another schedule and policy (either may be null), counted from {@code since}. */
    public VolumeRecord withSchedule(String schedule, String policy, Instant since) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, source,
                schedule, policy, since, attachedTo);
    }

    /** This volume attached to {@code target} (its NBD clients connect there), or detached with null. */
    public VolumeRecord withAttachedTo(String target) {
        return new VolumeRecord(SCHEMA_VERSION, id, name, sizeBytes, labels, state, node, createdAt, source,
                snapshotSchedule, schedulePolicy, scheduleSince, target);
    }

    /** The node that serves the volume's NBD clients: where it is attached, else the node holding its data. */
    public String target() {
        return attachedTo == null ? node : attachedTo;
    }
}
