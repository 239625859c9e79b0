package io.wharf.metadata.embedded;

import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Op;
import io.wharf.metadata.WatchEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The current keys and the store revision, in memory; changed only by applying
 * {@link LogRecord}s, so that commit and replay produce the same state. Keeps an index from
 * lease to its keys, derived from the entries.
 *
 * <p>Not thread-safe: the store guards it with its read-write lock.
 */
final class KeySpace {
    private final TreeMap<Bytes, KeyValue> entries = new TreeMap<>();
    private final Map<Long, Set<Bytes>> keysByLease = new HashMap<>();
    private long revision;

    KeySpace() {}

    /** The key space a snapshot describes. */
    static KeySpace restore(long revision, Collection<KeyValue> keyValues) {
        KeySpace space = new KeySpace();
        for (KeyValue kv : keyValues) {
            if (kv.modRevision() > revision || space.entries.put(kv.key(), kv) != null) {
                throw new IllegalStateException("snapshot at revision " + revision + " holds impossible entry " + kv);
            }
            space.attach(kv);
        }
        space.revision = revision;
        return space;
    }

    long revision() {
        return revision;
    }

    Optional<KeyValue> get(Bytes key) {
        return Optional.ofNullable(entries.get(key));
    }

    List<KeyValue> range(Bytes prefix) {
        List<KeyValue> found = new ArrayList<>();
        for (KeyValue kv : entries.tailMap(prefix, true).values()) {
            if (!kv.key().startsWith(prefix)) {
                break;
            }
            found.add(kv);
        }
        return found;
    }

    /** Every entry, in key order: a copy, for a snapshot. */
    List<KeyValue> entries() {
        return new ArrayList<>(entries.values());
    }

    /** The keys attached to the lease, in key order. */
    List<Bytes> keysOf(long leaseId) {
        return new ArrayList<>(keysByLease.getOrDefault(leaseId, Set.of()));
    }

    /** Every lease some key is attached to. */
    Set<Long> leases() {
        return Set.copyOf(keysByLease.keySet());
    }

    /**
     * Applies the record as the next revision and returns its watch events.
     *
     * @throws IllegalStateException if the record does not follow on this state: a gap in
     *                               revisions or a delete of a missing key means a corrupt log
     */
    List<WatchEvent> apply(LogRecord record) {
        if (record.revision() != revision + 1) {
            throw new IllegalStateException("record at revision " + record.revision() + " does not follow " + revision);
        }
        long at = record.revision();
        List<WatchEvent> events = new ArrayList<>(record.ops().size());
        for (Op op : record.ops()) {
            KeyValue previous = entries.get(op.key());
            switch (op) {
                case Op.Put put -> {
                    KeyValue next = previous == null
                            ? new KeyValue(put.key(), put.value(), at, at, 1, put.leaseId())
                            : new KeyValue(put.key(), put.value(), previous.createRevision(), at,
                                    previous.version() + 1, put.leaseId());
                    entries.put(put.key(), next);
                    detach(previous);
                    attach(next);
                    events.add(new WatchEvent.Put(next));
                }
                case Op.Delete delete -> {
                    if (previous == null) {
                        throw new IllegalStateException("record at revision " + at + " deletes missing key " + delete.key());
                    }
                    entries.remove(delete.key());
                    detach(previous);
                    events.add(new WatchEvent.Delete(delete.key(), at));
                }
            }
        }
        revision = at;
        return events;
    }

    private void attach(KeyValue kv) {
        if (kv.leaseId() != ClusterStore.NO_LEASE) {
            keysByLease.computeIfAbsent(kv.leaseId(), id -> new TreeSet<>()).add(kv.key());
        }
    }

    private void detach(KeyValue kv) {
        if (kv == null || kv.leaseId() == ClusterStore.NO_LEASE) {
            return;
        }
        Set<Bytes> keys = keysByLease.get(kv.leaseId());
        keys.remove(kv.key());
        if (keys.isEmpty()) {
            keysByLease.remove(kv.leaseId());
        }
    }
}
