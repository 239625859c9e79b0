package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Compare;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Op;
import io.wharf.metadata.Txn;
import io.wharf.metadata.TxnResult;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.ModelCodec;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.metadata.model.VolumeReplica;
import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RecordStore;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.Versioned;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The replication core's {@link RecordStore} over the volume records in the cluster store: the
 * replication part of a {@link VolumeRecord} (size, epoch, the node that took it, replicas and their
 * states) as a {@link ReplicationRecord}, compared and set on the key's mod revision, so a target's
 * update never overwrites a change another node made to the record (an attach, a schedule).
 *
 * <p>Store calls block (etcd round trips), so each runs on a virtual thread and completes on the
 * loop. A store that does not answer completes {@link Outcome.Failed} UNAVAILABLE: for a
 * compare-and-set that means in doubt, and the core reads again.
 */
public final class StoreRecords implements RecordStore {
    private final ClusterStore store;
    private final Scheduler loop;
    private final Map<String, String> names = new ConcurrentHashMap<>();

    public StoreRecords(ClusterStore store, Scheduler loop) {
        this.store = store;
        this.loop = loop;
    }

    /** Tells which record holds volume {@code volumeId} (records are keyed by name). */
    public void know(String volumeId, String name) {
        names.put(volumeId, name);
    }

    @Override
    public void read(String volumeId, Completion<Versioned<ReplicationRecord>> done) {
        offLoop(done, () -> current(volumeId).map(Outcome::ok)
                .orElseGet(() -> Outcome.failed(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " has no record")));
    }

    @Override
    public void compareAndSet(String volumeId, long expectedRevision, ReplicationRecord next, Completion<CasResult> done) {
        offLoop(done, () -> {
            Optional<KeyValue> stored = store.get(key(volumeId));
            Optional<VolumeRecord> record = stored.map(StoreRecords::decode).filter(r -> r.id().equals(volumeId));
            if (record.isEmpty()) {
                return Outcome.failed(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " has no record");
            }
            if (stored.get().modRevision() != expectedRevision) {
                return Outcome.ok(new CasResult.Conflict(new Versioned<>(toReplication(record.get()), stored.get().modRevision())));
            }
            VolumeRecord updated = record.get().withReplication(next.epoch(), next.target(),
                    next.replicas().stream().map(entry -> new VolumeReplica(entry.nodeId(),
                            VolumeReplica.State.valueOf(entry.state().name()))).toList());
            if (next.sizeBytes() > updated.sizeBytes()) { // a growth: sizes never go down
                updated = updated.withSize(next.sizeBytes());
            }
            Bytes key = key(volumeId);
            TxnResult result = store.txn(Txn.when(Compare.modRevision(key, expectedRevision))
                    .then(Op.put(key, Bytes.of(ModelCodec.encode(updated)))).otherwise());
            if (result.succeeded()) {
                return Outcome.ok(new CasResult.Committed(result.revision()));
            }
            return current(volumeId).<Outcome<CasResult>>map(now -> Outcome.ok(new CasResult.Conflict(now)))
                    .orElseGet(() -> Outcome.failed(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " has no record"));
        });
    }

    /** The replication part of a volume's record. */
    public static ReplicationRecord toReplication(VolumeRecord record) {
        return new ReplicationRecord(record.id(), record.sizeBytes(), record.epoch(), record.epochTarget(),
                record.replicas().stream().map(replica -> new ReplicaEntry(replica.node(),
                        ReplicaState.valueOf(replica.state().name()))).toList());
    }

    private Optional<Versioned<ReplicationRecord>> current(String volumeId) {
        Optional<KeyValue> stored = store.get(key(volumeId));
        return stored.filter(kv -> decode(kv).id().equals(volumeId))
                .map(kv -> new Versioned<>(toReplication(decode(kv)), kv.modRevision()));
    }

    private Bytes key(String volumeId) {
        String name = names.get(volumeId);
        if (name == null) {
            throw new WharfException(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " is not known here",
                    "it is attached through this node's API, which names its record first");
        }
        return Bytes.of(Keys.volume(name));
    }

    private <T> void offLoop(Completion<T> done, Supplier<Outcome<T>> call) {
        Thread.ofVirtual().name("replication-store").start(() -> {
            Outcome<T> outcome;
            try {
                outcome = call.get();
            } catch (WharfException e) {
                outcome = Outcome.failed(e.code() == ErrorCode.VOLUME_NOT_FOUND ? e.code() : ErrorCode.UNAVAILABLE,
                        String.valueOf(e.getMessage()));
            } catch (RuntimeException e) {
                outcome = Outcome.failed(ErrorCode.UNAVAILABLE, "cluster store: " + e);
            }
            Outcome<T> result = outcome;
            loop.execute(() -> done.complete(result));
        });
    }

    private static VolumeRecord decode(KeyValue keyValue) {
        return ModelCodec.decode(keyValue.value().toByteArray(), VolumeRecord.class);
    }
}
