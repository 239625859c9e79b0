package io.wharf.storage;

/**
 * One snapshot of a volume, as {@link Pool#snapshots} reports it.
 *
 * @param id             the snapshot's id, unique within its volume
 * @param order          creation order within the volume (1, 2, ...; never reused)
 * @param sizeBytes      the volume's size when the snapshot was taken (and the size of its views and clones)
 * @param layerBytes     data bytes the snapshot's layer holds (blocks written between the previous
 *                       snapshot and this one, less those trimmed meanwhile)
 * @param exclusiveBytes bytes {@link Pool#deleteSnapshot} would give back now: the layer's data
 *                       blocks that its child layer (the next snapshot's layer, or the head)
 *                       shadows with its own data or zero marker; all the layer's data when nothing
 *                       stacks on it; 0 when another volume (a clone) lists the layer or its child,
 *                       or it has several children (the
 *                       other blocks would move to the child, not go away)
 * @param shared         true when another volume (a clone) reads through the snapshot's layer (its
 *                       space is then counted once for the pool, in {@link PoolUsage#usedBytes})
 */
public record SnapshotInfo(String id, long order, long sizeBytes, long layerBytes, long exclusiveBytes, boolean shared) {}
