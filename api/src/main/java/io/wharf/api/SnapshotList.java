package io.wharf.api;

import java.util.List;

/**
 * The body of {@code GET /v1/snapshots}, {@code GET /v1/volumes/{name}/snapshots} and of the answer
 * to {@code POST /v1/snapshot-groups}: an object, so fields can be added later.
 */
public record SnapshotList(List<SnapshotInfo> snapshots) {
    public SnapshotList {
        snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
    }
}
