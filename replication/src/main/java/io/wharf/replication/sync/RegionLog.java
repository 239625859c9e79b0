package io.wharf.replication.sync;

/** The two region sets a replica keeps (see {@link ReplicaSession#regions}). */
public enum RegionLog {
    /** Regions with writes not yet settled: what a new target reconciles after the old one crashed. */
    ACTIVITY,
    /** Regions written while a given peer was out of sync: what that peer's resync copies. */
    DIRTY
}
