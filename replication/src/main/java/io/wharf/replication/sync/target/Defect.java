package io.wharf.replication.sync.target;

/**
 * Known bugs that tests can switch on in a target (package-private: only code in this package, such
 * as a test helper of the simulator, can), to prove that the simulator's checkers catch them.
 */
enum Defect {
    NONE,
    /**
     * Acknowledge writes and flushes as soon as the replicas still in sync have them, without waiting
     * until the failed replica is recorded out of sync (and without holding new writes meanwhile).
     */
    ACK_BEFORE_MARK,
    /**
     * Ignore fencing: never stop on a newer epoch, and take a replica's stale-epoch refusal of a write
     * or flush for success, so a fenced target keeps acknowledging.
     */
    IGNORE_FENCING,
    /** Resync copies only the returning replica's own activity log, not the regions tracked for it. */
    RESYNC_SKIPS_DIRTY_MAP,
    /** A revert reverts only its primary and records the other holders in sync again without reverting them. */
    REVERT_ONLY_PRIMARY
}
