package io.wharf.metadata;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's source of truth: a key-value store with etcd v3's data model, so that the
 * embedded single-node store and etcd behave the same to the code above them.
 *
 * <ul>
 *   <li>Keys and values are byte strings ({@link Bytes}); keys sort unsigned-lexicographically.
 *   <li>The store has one revision. Each committed transaction that changes something raises it
 *       by exactly one; a transaction that changes nothing (failed compare with an empty
 *       failure branch, delete of a missing key) leaves it. Revision 0 is the empty store.
 *   <li>Each key carries create revision, mod revision and version ({@link KeyValue}).
 *   <li>Leases: a key put with a lease is deleted when the lease expires or is revoked, as one
 *       write per lease.
 *   <li>Watch history is bounded: changes before the compact revision are forgotten and a
 *       watch that needs them receives {@link WatchEvent.Compacted}.
 * </ul>
 *
 * <p>Failures: an operation on a closed store throws {@link io.wharf.core.WharfException} with
 * {@code UNAVAILABLE}; a put with a lease that has ended throws it with {@code NOT_FOUND};
 * a transaction larger than etcd accepts throws {@code INVALID_ARGUMENT}; a store that could
 * not make a write durable throws {@code IO_ERROR} from then on. A store backed by a server
 * (etcd) also throws {@code UNAVAILABLE} when the server does not answer within its timeout;
 * a write that got no answer may or may not have been applied, so read before retrying it.
 * A compare that does not hold is not a failure: it is {@link TxnResult#succeeded()} false.
 *
 * <p>All methods are safe to call from any thread. Writes are durable when they return.
 */
public interface ClusterStore extends AutoCloseable {
    /** The lease id meaning "no lease". */
    long NO_LEASE = 0;

    /** The key, if it exists. */
    Optional<KeyValue> get(Bytes key);

    /** The keys that start with {@code prefix}, sorted by key, and the revision they are as of. */
    Listing listing(Bytes prefix);

    /** Evaluates the compares and runs one branch, atomically, at one revision. */
    TxnResult txn(Txn txn);

    /**
     * Delivers every change to keys under {@code prefix} with a revision after
     * {@code fromRevision}, in revision order: first the ones already committed, then new ones
     * as they commit. If the store no longer keeps the history after {@code fromRevision},
     * the listener receives {@link WatchEvent.Compacted} and the watch ends.
     *
     * @param fromRevision exclusive: pass the revision of a {@link Listing} to continue from it
     */
    Watch watch(Bytes prefix, long fromRevision, WatchListener listener);

    /** Discards watch history before {@code revision}, which must not exceed {@link #revision()}. */
    void compact(long revision);

    /** A new lease that ends {@code ttl} from now unless kept alive. Returns its id (never 0). */
    long grantLease(Duration ttl);

    /** Restarts the lease's time to live. False if the lease has already ended. */
    boolean keepAlive(long leaseId);

    /** Ends the lease now and deletes its keys. False if it had already ended. */
    boolean revokeLease(long leaseId);

    /** The current store revision. */
    long revision();

    /** Stops the store; watches end without a further event. */
    @Override
    void close();

    default Optional<KeyValue> get(String key) {
        return get(Bytes.of(key));
    }

    /** The keys that start with {@code prefix}, sorted by key. */
    default List<KeyValue> range(Bytes prefix) {
        return listing(prefix).keyValues();
    }

    default List<KeyValue> range(String prefix) {
        return range(Bytes.of(prefix));
    }

    default Listing listing(String prefix) {
        return listing(Bytes.of(prefix));
    }

    /** Sets the key; returns the revision of the write. */
    default long put(Bytes key, Bytes value) {
        return txn(Txn.of(Op.put(key, value))).revision();
    }

    default long put(String key, String value) {
        return put(Bytes.of(key), Bytes.of(value));
    }

    /** Sets the key, attached to the lease; returns the revision of the write. */
    default long put(Bytes key, Bytes value, long leaseId) {
        return txn(Txn.of(Op.put(key, value, leaseId))).revision();
    }

    default long put(String key, String value, long leaseId) {
        return put(Bytes.of(key), Bytes.of(value), leaseId);
    }

    /** Deletes the key; false if it did not exist. */
    default boolean delete(Bytes key) {
        TxnResult result = txn(Txn.of(Op.delete(key)));
        return switch (result.results().getFirst()) {
            case OpResult.Delete delete -> delete.deleted();
            case OpResult.Put put -> throw new AssertionError("delete op returned a put result: " + put);
        };
    }

    default boolean delete(String key) {
        return delete(Bytes.of(key));
    }

    default Watch watch(String prefix, long fromRevision, WatchListener listener) {
        return watch(Bytes.of(prefix), fromRevision, listener);
    }
}
