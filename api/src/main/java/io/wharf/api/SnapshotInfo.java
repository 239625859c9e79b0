package io.wharf.api;

/**
 * A snapshot as the API shows it.
 *
 * @param volume         the volume it was taken of
 * @param name           unique among the volume's snapshots; {@code volume@name} names it everywhere
 * @param sizeBytes      the volume's size when the snapshot was taken
 * @param exclusiveBytes space that deleting this snapshot would give back now
 * @param nbdUri         its read-only NBD export, e.g. {@code nbd://127.0.0.1:10809/db@daily-1}
 */
public record SnapshotInfo(
        String volume,
        String name,
        String id,
        String createdAt,
        long sizeBytes,
        long exclusiveBytes,
        String nbdUri) {}
