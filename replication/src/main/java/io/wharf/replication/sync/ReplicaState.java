package io.wharf.replication.sync;

/** A replica's standing in its volume's {@link ReplicationRecord}. */
public enum ReplicaState {
    /** Holds every acknowledged write; every write waits for it; a source for reads and copies. */
    IN_SYNC,
    /**
     * Missed writes: the replicas in sync track the regions written since, and it is brought back by
     * a resync of those regions (plus its own activity log). Never read from, never a source.
     */
    OUT_OF_SYNC,
    /** Out of sync, with a resync of its dirty regions running; joins the in-sync set only when complete. */
    RESYNCING,
    /** New, or its dirty regions are unknown: gets a full copy; joins the in-sync set only when complete. */
    REBUILDING
}
