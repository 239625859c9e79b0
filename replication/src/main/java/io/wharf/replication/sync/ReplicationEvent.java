package io.wharf.replication.sync;

/**
 * State transitions of the protocol, for the node's log and metrics and the simulator's trace
 * (the core does no logging of its own). Not one per I/O.
 */
public sealed interface ReplicationEvent {
    String volumeId();

    /** A target finished its takeover at {@code epoch} and serves I/O. */
    record Attached(String volumeId, String target, long epoch, int reconciledRegions) implements ReplicationEvent {}

    /** A takeover gave up; the caller may try again (with a new epoch). */
    record AttachFailed(String volumeId, String target, long epoch, String reason) implements ReplicationEvent {}

    /** The record now says {@code replica} is {@code state}. */
    record ReplicaStateChanged(String volumeId, String replica, ReplicaState state, long epoch, String reason)
            implements ReplicationEvent {}

    record ResyncStarted(String volumeId, String replica, int regions, boolean full) implements ReplicationEvent {}

    record ResyncCompleted(String volumeId, String replica, int regions) implements ReplicationEvent {}

    record ResyncAborted(String volumeId, String replica, String reason) implements ReplicationEvent {}

    /** The target learned that a newer epoch exists; it fails all I/O from now on. */
    record Fenced(String volumeId, long epoch, String reason) implements ReplicationEvent {}

    /** The target cannot go on (no replica in sync, store unreachable too long); it fails all I/O. */
    record Failed(String volumeId, long epoch, String reason) implements ReplicationEvent {}

    /** A replica's copy grew to {@code sizeBytes}, its region sets carried along (replica side). */
    record ReplicaGrown(String volumeId, String replica, long sizeBytes) implements ReplicationEvent {}

    /** The target grew the volume to {@code sizeBytes} on every replica in sync. */
    record Grown(String volumeId, long epoch, long sizeBytes) implements ReplicationEvent {}

    /** A replica made a new epoch durable (replica side). */
    record EpochAccepted(String volumeId, String replica, long epoch) implements ReplicationEvent {}
}
