package io.wharf.storage;

import java.util.List;

/**
 * Where a volume's data sits, as {@link Pool#space} reports it.
 *
 * @param headBytes      data written since the newest snapshot (or since creation, or the last
 *                       revert): only the volume's current content reads it
 * @param referencedBytes data of every layer the volume's chain lists: its own, and those it shares
 *                       with clones or, for a clone, with its source (so more than
 *                       {@link Volume#allocatedBytes}, which counts shared layers once, in the pool)
 * @param snapshots      the snapshots, each with its exclusive bytes (what deleting it gives back)
 */
public record VolumeSpace(long headBytes, long referencedBytes, List<SnapshotInfo> snapshots) {
    public VolumeSpace {
        snapshots = List.copyOf(snapshots);
        assert headBytes >= 0 && headBytes <= referencedBytes : "head " + headBytes + " of " + referencedBytes;
    }

    /** Sum of the snapshots' exclusive bytes. */
    public long snapshotExclusiveBytes() {
        return snapshots.stream().mapToLong(SnapshotInfo::exclusiveBytes).sum();
    }

    /**
     * Data that no single view holds alone: blocks that the head and a snapshot, or several
     * snapshots, or the volume and a clone (or its source) read in common; deleting any one of
     * them keeps these blocks.
     */
    public long sharedBytes() {
        return Math.max(0, referencedBytes - headBytes - snapshotExclusiveBytes());
    }
}
