package io.wharf.simulator.world;

import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Versioned;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The cluster store (etcd): linearizable, because every operation applies at one instant of the
 * event loop; one revision counter for all keys, as etcd. It never crashes (etcd is replicated);
 * what fails is reaching it ({@link StoreClient}).
 */
public final class StoreServer {
    private final Map<String, Versioned<ReplicationRecord>> records = new TreeMap<>();
    private final BiConsumer<ReplicationRecord, Long> onCommit;
    private long revision;

    public StoreServer(BiConsumer<ReplicationRecord, Long> onCommit) {
        this.onCommit = onCommit;
    }

    public void put(ReplicationRecord record) {
        revision++;
        records.put(record.volumeId(), new Versioned<>(record, revision));
        onCommit.accept(record, revision);
    }

    public Versioned<ReplicationRecord> read(String volumeId) {
        Versioned<ReplicationRecord> record = records.get(volumeId);
        if (record == null) {
            throw new IllegalStateException("no record for " + volumeId);
        }
        return record;
    }

    public CasResult compareAndSet(String volumeId, long expectedRevision, ReplicationRecord next) {
        Versioned<ReplicationRecord> current = read(volumeId);
        if (current.revision() != expectedRevision) {
            return new CasResult.Conflict(current);
        }
        put(next);
        return new CasResult.Committed(revision);
    }
}
