/**
 * Synchronous replication as pure logic: what the target and the replicas decide, with all I/O
 * behind small interfaces the environment implements, so the node runs it with real sockets and
 * disks and the simulator under a seeded event loop. Owns the vocabulary shared by both roles.
 *
 * <ul>
 *   <li>{@link io.wharf.replication.sync.ReplicaEndpoint} / {@link io.wharf.replication.sync.ReplicaSession}:
 *       a replica, reached asynchronously at an epoch; every call completes once with an
 *       {@link io.wharf.replication.sync.Outcome} (ok, stale epoch, failed).</li>
 *   <li>{@link io.wharf.replication.sync.RecordStore}: the volume's
 *       {@link io.wharf.replication.sync.ReplicationRecord} in the cluster store, with compare-and-set.</li>
 *   <li>{@link io.wharf.replication.sync.Scheduler}: time and continuations. Everything of one volume
 *       runs on one scheduler, one task at a time; completions arrive on it, never inside the call.</li>
 * </ul>
 *
 * <p>Invariants every implementation keeps: a session never outlives its link or the replica's
 * process; a compare-and-set without an answer is reported as failed (in doubt), never as done;
 * calls complete exactly once. The protocol and its invariants: {@code replication/README.md}.
 */
package io.wharf.replication.sync;
