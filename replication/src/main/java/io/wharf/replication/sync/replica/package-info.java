/**
 * The replica side of synchronous replication: {@link io.wharf.replication.sync.replica.ReplicaVolume}
 * over the node's local copy ({@link io.wharf.replication.sync.replica.BlockStore}) and its durable
 * {@link io.wharf.replication.sync.replica.ReplicaMetadata} ({@link io.wharf.replication.sync.replica.ReplicaStateStore}).
 *
 * <p>On disk (the node's file, replaced atomically): magic "WRM1", u64 highest accepted epoch, u32
 * region count, the activity-log bitmap, u16 peer count, per peer its node id and dirty-map bitmap,
 * u32 CRC32C. A damaged file is refused, never guessed at.
 *
 * <p>Invariants: lower epochs are refused and an accepted epoch is durable before the open that
 * raised it is answered; a new open supersedes every earlier session after their storage calls
 * finished; the regions of a write are durable in the activity log and in every dirty map before its
 * data is written; a failed metadata save stops the replica.
 */
package io.wharf.replication.sync.replica;
