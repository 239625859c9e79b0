package io.wharf.api;

import java.util.List;

/**
 * Where a volume's data sits, in {@code volume inspect}. Every block the volume reads is counted
 * once: in the head, in exactly one snapshot's exclusive part, or in shared.
 *
 * @param headExclusiveBytes      data written since the newest snapshot: only the live volume reads it
 * @param snapshotExclusiveBytes  the sum over snapshots of what deleting each would give back
 * @param sharedBytes             data read by more than one of head, snapshots, clones and the
 *                                clone's source: deleting any one of them keeps it
 * @param snapshots               each snapshot's exclusive bytes, oldest first
 */
public record VolumeSpaceInfo(
        long headExclusiveBytes, long snapshotExclusiveBytes, long sharedBytes, List<SnapshotSpace> snapshots) {
    public VolumeSpaceInfo {
        snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
    }

    /** One snapshot's exclusive data. */
    public record SnapshotSpace(String name, long exclusiveBytes) {}
}
