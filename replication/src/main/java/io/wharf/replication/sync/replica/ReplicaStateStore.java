package io.wharf.replication.sync.replica;

import io.wharf.replication.sync.Completion;

/**
 * Where a replica keeps its {@link ReplicaMetadata}: replaced atomically and durable when the save
 * completes (the node: a checksummed file next to the volume written with {@code AtomicFile}; the
 * simulator: an atomic cell that a crash may or may not have updated if the save had not completed).
 * A failed save stops the replica (every later call fails), as a failed fsync stops a volume.
 */
public interface ReplicaStateStore {
    void save(ReplicaMetadata metadata, Completion<Void> done);
}
