package io.wharf.metadata.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A snapshot of a volume, at {@link Keys#snapshot(String, String)}.
 *
 * @param volume    the name of the volume it was taken of
 * @param name      unique among that volume's snapshots
 * @param storageId the snapshot's id in the volume's storage (stable, never reused)
 * @param state     {@code CREATING} and {@code DELETING} mark an operation a crash may have cut short
 * @param rule      the schedule rule that took it ({@code periodic}, {@code daily}, ...), or null if a user did
 * @param nodes     of a replicated volume: the nodes whose copies took it (the replicas in sync at the time);
 *                  null or empty for a volume on one node (the volume's node holds it)
 */
public record SnapshotRecord(int schemaVersion, String volume, String name, String storageId, long sizeBytes,
                             VolumeState state, Instant createdAt, String rule, List<String> nodes) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public SnapshotRecord {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(storageId, "storageId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    public static SnapshotRecord of(String volume, String name, String storageId, long sizeBytes, VolumeState state,
                                    Instant createdAt) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, state, createdAt, null, List.of());
    }

    /** The same snapshot, taken by schedule rule {@code ruleKind}. */
    public SnapshotRecord withRule(String ruleKind) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, state, createdAt, ruleKind, nodes);
    }

    public SnapshotRecord withState(VolumeState next) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, next, createdAt, rule, nodes);
    }

    /** The same snapshot, held by the copies on {@code holders} (a replicated volume's). */
    public SnapshotRecord withNodes(List<String> holders) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, state, createdAt, rule, holders);
    }

    /** Whether {@code node}'s copy of the volume holds this snapshot; {@code volumeNode} is the volume's node. */
    public boolean heldBy(String node, String volumeNode) {
        return nodes.isEmpty() ? node.equals(volumeNode) : nodes.contains(node);
    }
}
