package io.wharf.api;

/**
 * A snapshot as the API shows it.
 *
 * @param volume         the volume it was taken of
 * @param name           unique among the volume's snapshots; {@code volume@name} names it everywhere
 * @param sizeBytes      the volume's size when the snapshot was taken
 * @param exclusiveBytes space that deleting this snapshot would give back now
 * @param nbdUri         its read-only NBD export, e.g. {@code nbd://127.0.0.1:10809/db@daily-1}
 * @param state          {@code ready}; or {@code lost} when no copy of the volume holds it any more (every node
 *                       that took it lost its copy), so it can only be deleted
 * @param nodes          the nodes whose copies of the volume hold it (for a volume on one node: that node)
 */
public record SnapshotInfo(
        String volume,
        String name,
        String id,
        String createdAt,
        long sizeBytes,
        long exclusiveBytes,
        String nbdUri,
        String state,
        java.util.List<String> nodes) {
    public static final String READY = "ready";
    public static final String LOST = "lost";

    public SnapshotInfo {
        nodes = nodes == null ? java.util.List.of() : java.util.List.copyOf(nodes);
    }
}
