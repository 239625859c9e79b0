package io.wharf.replication.sync;

/**
 * Prepares a replica's copy before a full rebuild copies every region onto it. The node's seeder
 * writes the volume's snapshots into the copy first (oldest first, each one sealed under its
 * storage id), so that a rebuilt copy holds the snapshots taken before it existed, as the copies
 * that took them do. The rebuild that follows copies every region, so the copy's current content is
 * right whatever the seeding left in it: a seeder that fails or stops half-way costs snapshots on
 * that copy, never data.
 */
@FunctionalInterface
public interface RebuildSeeder {
    /**
     * Seeds the copy of volume {@code volumeId} on {@code nodeId} at {@code epoch}. Completes on the
     * target's scheduler (never inside the call); a failure is the seeder's to report, and the
     * rebuild goes on after it.
     */
    void seed(String volumeId, String nodeId, long epoch, Completion<Void> done);
}
