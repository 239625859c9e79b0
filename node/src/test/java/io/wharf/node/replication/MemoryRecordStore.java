package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RecordStore;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.Versioned;
import java.util.HashMap;
import java.util.Map;

/** A linearizable in-memory {@link RecordStore}: compare-and-set on a map, answers on the caller's loop. */
final class MemoryRecordStore implements RecordStore {
    private final Scheduler loop;
    private final Map<String, Versioned<ReplicationRecord>> records = new HashMap<>();
    private long revision;

    MemoryRecordStore(Scheduler loop) {
        this.loop = loop;
    }

    synchronized void put(ReplicationRecord record) {
        records.put(record.volumeId(), new Versioned<>(record, ++revision));
    }

    synchronized ReplicationRecord current(String volumeId) {
        return records.get(volumeId).value();
    }

    @Override
    public void read(String volumeId, Completion<Versioned<ReplicationRecord>> done) {
        Versioned<ReplicationRecord> current;
        synchronized (this) {
            current = records.get(volumeId);
        }
        Outcome<Versioned<ReplicationRecord>> answer = current != null ? Outcome.ok(current)
                : Outcome.failed(ErrorCode.VOLUME_NOT_FOUND, "no record of " + volumeId);
        loop.execute(() -> done.complete(answer));
    }

    @Override
    public void compareAndSet(String volumeId, long expectedRevision, ReplicationRecord next, Completion<CasResult> done) {
        CasResult result;
        synchronized (this) {
            Versioned<ReplicationRecord> current = records.get(volumeId);
            if (current == null || current.revision() != expectedRevision) {
                result = new CasResult.Conflict(current);
            } else {
                Versioned<ReplicationRecord> written = new Versioned<>(next, ++revision);
                records.put(volumeId, written);
                result = new CasResult.Committed(written.revision());
            }
        }
        loop.execute(() -> done.complete(Outcome.ok(result)));
    }
}
