package io.wharf.replication.sync;

/**
 * The volume's replication record in the cluster store (etcd): read, and compare-and-set on the
 * revision. The node implements it over {@code io.wharf.metadata.ClusterStore} (a transaction
 * comparing the key's mod revision); the simulator over a linearizable in-memory map that a
 * partitioned node cannot reach.
 *
 * <p>A call that cannot reach the store completes with {@link Outcome.Failed}; for a
 * compare-and-set that means "in doubt" (it may have been committed), so callers read again.
 */
public interface RecordStore {
    void read(String volumeId, Completion<Versioned<ReplicationRecord>> done);

    /** Writes {@code next} if the record's revision is still {@code expectedRevision}. */
    void compareAndSet(String volumeId, long expectedRevision, ReplicationRecord next, Completion<CasResult> done);
}
