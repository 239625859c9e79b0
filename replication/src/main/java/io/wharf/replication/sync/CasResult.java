package io.wharf.replication.sync;

/** The answer of a compare-and-set that reached the store. */
public sealed interface CasResult {
    /** Written; {@code revision} is the record's new revision. */
    record Committed(long revision) implements CasResult {}

    /** Not written: the record changed since the expected revision; this is what it is now. */
    record Conflict(Versioned<ReplicationRecord> current) implements CasResult {}
}
