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
     * target's scheduler (never inside the call) with whether the copy now holds snapshots: then the
     * rebuild reads each chunk of the copy before writing it and skips the write when the copy holds
     * those bytes already (its newest snapshot's), so the copy's current layer keeps only what changed
     * since, as the other copies' do. A failure is the seeder's to report; the rebuild goes on after it.
     */
    void seed(String volumeId, String nodeId, long epoch, Completion<Boolean> done);
}
