/**
 * The target of a replicated volume: {@link io.wharf.replication.sync.target.ReplicatedVolume} takes
 * the client's reads, writes, trims and flushes and fans them out;
 * {@link io.wharf.replication.sync.target.Takeover} is the attach (epoch raised by compare-and-set,
 * replicas fenced, activity-log regions reconciled); {@link io.wharf.replication.sync.target.Resync}
 * brings a replica back or builds a new one online.
 *
 * <p>Invariants (see {@code replication/README.md} for why they suffice): a write is acknowledged
 * only when every replica in sync has it; a replica that fails while in sync is tracked durably by the
 * others and recorded OUT_OF_SYNC before the writes waiting for it are acknowledged; a record change
 * that finds another epoch fences the target for good; a replica joins the in-sync set only when it
 * holds everything, flushed; overlapping writes and copies are ordered by
 * {@link io.wharf.replication.sync.target.RangeLocks}. No state is durable here: a new target rebuilds
 * everything from the record and the replicas.
 */
package io.wharf.replication.sync.target;
