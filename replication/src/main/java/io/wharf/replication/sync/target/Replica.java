package io.wharf.replication.sync.target;

import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.Scheduler;

/** The target's view of one replica of its volume. */
final class Replica {
    final String nodeId;
    /** The state the record says (as last committed by this target). */
    ReplicaState state;
    /** The live session: set for replicas in sync and for the destination of a running resync. */
    ReplicaSession session;
    /** Failed while in sync; writes that waited for it wait until the record says OUT_OF_SYNC. */
    boolean failing;
    /**
     * For a replica not in sync: the regions the replicas in sync track for it (this target's mirror of
     * their dirty maps), what its resync copies besides its own activity log; null when unknown, so
     * its resync is a full rebuild. For a failing replica: the regions written it may have missed.
     */
    RegionSet tracked;
    /** The running resync or rebuild, or null. */
    Resync resync;
    /** Copy progress of the last resync, for status. */
    int regionsCopied;
    int regionsToCopy;
    /** The next resync attempt, or none. */
    Scheduler.Cancellable retry = Scheduler.Cancellable.NONE;

    Replica(String nodeId, ReplicaState state) {
        this.nodeId = nodeId;
        this.state = state;
    }

    /** In sync, with a live session, not failing: takes writes that count, serves reads, is a copy source. */
    boolean healthy() {
        return state == ReplicaState.IN_SYNC && session != null && !failing;
    }

    /** The destination of a running resync whose copy has started: takes every write too. */
    boolean syncing() {
        return resync != null && resync.receivesWrites() && session != null;
    }
}
