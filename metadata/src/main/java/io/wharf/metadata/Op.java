package io.wharf.metadata;

import java.util.Objects;

/** A write inside a {@link Txn}. */
public sealed interface Op {
    Bytes key();

    /**
     * Sets {@code key} to {@code value}. With a lease, the key is deleted when the lease expires
     * or is revoked; putting the key again without a lease detaches it.
     */
    record Put(Bytes key, Bytes value, long leaseId) implements Op {
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.isEmpty()) {
                throw new IllegalArgumentException("key is empty");
            }
            if (leaseId < 0) {
                throw new IllegalArgumentException("lease id " + leaseId + " is negative");
            }
        }
    }

    /** Deletes {@code key}; deleting a key that does not exist is not a write. */
    record Delete(Bytes key) implements Op {
        public Delete {
            Objects.requireNonNull(key, "key");
            if (key.isEmpty()) {
                throw new IllegalArgumentException("key is empty");
            }
        }
    }

    static Put put(Bytes key, Bytes value) {
        return new Put(key, value, ClusterStore.NO_LEASE);
    }

    static Put put(String key, String value) {
        return new Put(Bytes.of(key), Bytes.of(value), ClusterStore.NO_LEASE);
    }

    static Put put(Bytes key, Bytes value, long leaseId) {
        return new Put(key, value, leaseId);
    }

    static Put put(String key, String value, long leaseId) {
        return new Put(Bytes.of(key), Bytes.of(value), leaseId);
    }

    static Delete delete(Bytes key) {
        return new Delete(key);
    }

    static Delete delete(String key) {
        return new Delete(Bytes.of(key));
    }
}
