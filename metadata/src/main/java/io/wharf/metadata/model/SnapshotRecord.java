package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of a volume, at {@link Keys#snapshot(String, String)}.
 *
 * @param volume    the name of the volume it was taken of
 * @param name      unique among that volume's snapshots
 * @param storageId the snapshot's id in the volume's storage (stable, never reused)
 * @param state     {@code CREATING} and {@code DELETING} mark an operation a crash may have cut short
 * @param rule      the schedule rule that took it ({@code periodic}, {@code daily}, ...), or null if a user did
 */
public record SnapshotRecord(int schemaVersion, String volume, String name, String storageId, long sizeBytes,
                             VolumeState state, Instant createdAt, String rule) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public SnapshotRecord {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(storageId, "storageId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public static SnapshotRecord of(String volume, String name, String storageId, long sizeBytes, VolumeState state,
                                    Instant createdAt) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, state, createdAt, null);
    }

    /** The same snapshot, taken by schedule rule {@code ruleKind}. */
    public SnapshotRecord withRule(String ruleKind) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, state, createdAt, ruleKind);
    }

    public SnapshotRecord withState(VolumeState next) {
        return new SnapshotRecord(SCHEMA_VERSION, volume, name, storageId, sizeBytes, next, createdAt, rule);
    }
}
