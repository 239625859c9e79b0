package io.wharf.replication.sync;

/**
 * Receives the outcome of an asynchronous call. Implementations of the environment's interfaces
 * ({@link ReplicaEndpoint}, {@link ReplicaSession}, {@link RecordStore}, the replica's storage)
 * complete each call exactly once, and on the caller's {@link Scheduler} (never inside the call
 * itself: the core is not reentrant).
 */
@FunctionalInterface
public interface Completion<T> {
    void complete(Outcome<T> outcome);
}
