package io.wharf.metadata;

import java.util.Objects;

/**
 * A key and its value as stored at some revision, with etcd's per-key counters.
 *
 * @param createRevision the revision of the write that created the key (since its last delete)
 * @param modRevision    the revision of the last write to the key
 * @param version        how many times the key was written since it was created; 1 after creation
 * @param leaseId        the lease the key is attached to, or {@link ClusterStore#NO_LEASE}
 */
public record KeyValue(Bytes key, Bytes value, long createRevision, long modRevision, long version, long leaseId) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (createRevision <= 0 || modRevision < createRevision || version <= 0) {
            throw new IllegalArgumentException("invalid counters for key " + key + ": create=" + createRevision
                    + " mod=" + modRevision + " version=" + version);
        }
    }

    /** The key as UTF-8 text. */
    public String keyString() {
        return key.toUtf8();
    }

    /** The value as UTF-8 text. */
    public String valueString() {
        return value.toUtf8();
    }

    /** The value's bytes (a copy). */
    public byte[] valueBytes() {
        return value.toByteArray();
    }
}
