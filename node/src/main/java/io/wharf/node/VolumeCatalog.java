package io.wharf.node;

import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.ModelCodec;
import io.wharf.metadata.model.PolicyRecord;
import io.wharf.metadata.model.SnapshotRecord;
import io.wharf.metadata.model.VolumeRecord;
import java.util.List;
import java.util.Optional;

/** Volume and snapshot records in the cluster store, by name. */
final class VolumeCatalog {
    private final ClusterStore store;

    VolumeCatalog(ClusterStore store) {
        this.store = store;
    }

    Optional<VolumeRecord> get(String name) {
        return store.get(Keys.volume(name)).map(VolumeCatalog::decode);
    }

    List<VolumeRecord> list() {
        return store.range(Keys.volumes()).stream().map(VolumeCatalog::decode).toList();
    }

    void put(VolumeRecord record) {
        store.put(Bytes.of(Keys.volume(record.name())), Bytes.of(ModelCodec.encode(record)));
    }

    /**
     * Writes a new volume's first record only if no record has the name: of two nodes creating
     * the same name at once, exactly one wins.
     *
     * @throws WharfException VOLUME_EXISTS when the name is taken
     */
    void create(VolumeRecord record) {
        Bytes key = Bytes.of(Keys.volume(record.name()));
        boolean created = store.txn(io.wharf.metadata.Txn.when(io.wharf.metadata.Compare.absent(key))
                .then(io.wharf.metadata.Op.put(key, Bytes.of(ModelCodec.encode(record)))).otherwise()).succeeded();
        if (!created) {
            throw new io.wharf.core.WharfException(io.wharf.core.ErrorCode.VOLUME_EXISTS,
                    "volume '" + record.name() + "' already exists", "choose another name, or delete the existing volume first");
        }
    }

    /**
     * Replaces {@code expected} with {@code next} only if the stored record is still exactly
     * {@code expected}.
     *
     * Every change to a ready volume's record goes through here, so that a node's update never
     * overwrites another node's (an attach, say).
     *
     * @throws WharfException UNAVAILABLE when another writer changed the record in between (the
     *                        caller's view is stale; the user retries)
     */
    void replace(VolumeRecord expected, VolumeRecord next) {
        Bytes key = Bytes.of(Keys.volume(expected.name()));
        // Compared as records, on the revision read: an older writer's bytes (fewer fields) still match.
        Optional<KeyValue> current = store.get(key);
        boolean replaced = current.isPresent() && decode(current.get()).equals(expected)
                && store.txn(io.wharf.metadata.Txn.when(io.wharf.metadata.Compare.modRevision(key, current.get().modRevision()))
                        .then(io.wharf.metadata.Op.put(key, Bytes.of(ModelCodec.encode(next)))).otherwise()).succeeded();
        if (!replaced) {
            throw new io.wharf.core.WharfException(io.wharf.core.ErrorCode.UNAVAILABLE,
                    "volume '" + expected.name() + "' changed while this request was handled", "try again");
        }
    }

    void delete(String name) {
        store.delete(Keys.volume(name));
    }

    Optional<SnapshotRecord> snapshot(String volume, String name) {
        return store.get(Keys.snapshot(volume, name)).map(VolumeCatalog::decodeSnapshot);
    }

    /** One volume's snapshots, in creation order. */
    List<SnapshotRecord> snapshots(String volume) {
        return sorted(store.range(Keys.snapshots(volume)));
    }

    /** Every snapshot of every volume, by volume then creation order. */
    List<SnapshotRecord> allSnapshots() {
        return sorted(store.range(Keys.snapshots()));
    }

    void put(SnapshotRecord record) {
        store.put(Bytes.of(Keys.snapshot(record.volume(), record.name())), Bytes.of(ModelCodec.encode(record)));
    }

    /**
     * Writes {@code records} only if every one of {@code expected} is still stored exactly as it was
     * written (snapshots' CREATING records that another node may have undone meanwhile); false if not.
     */
    boolean putAllIfStill(List<SnapshotRecord> expected, List<SnapshotRecord> records) {
        return store.txn(io.wharf.metadata.Txn.when(unchanged(expected)).then(puts(records)).otherwise()).succeeded();
    }

    /**
     * Deletes {@code record} only if it is still stored exactly as it was written: a record another
     * node undid, and someone then wrote again under the same name, is not the caller's to delete.
     */
    void deleteIfStill(SnapshotRecord record) {
        store.txn(io.wharf.metadata.Txn.when(unchanged(List.of(record)))
                .then(io.wharf.metadata.Op.delete(Keys.snapshot(record.volume(), record.name()))).otherwise());
    }

    private static io.wharf.metadata.Compare[] unchanged(List<SnapshotRecord> records) {
        return records.stream()
                .map(r -> io.wharf.metadata.Compare.valueEquals(Bytes.of(Keys.snapshot(r.volume(), r.name())), Bytes.of(ModelCodec.encode(r))))
                .toArray(io.wharf.metadata.Compare[]::new);
    }

    /** Writes several snapshot records in one transaction: all of them or none. */
    void putAll(List<SnapshotRecord> records) {
        store.txn(io.wharf.metadata.Txn.of(puts(records)));
    }

    private static io.wharf.metadata.Op[] puts(List<SnapshotRecord> records) {
        return records.stream()
                .map(r -> io.wharf.metadata.Op.put(Bytes.of(Keys.snapshot(r.volume(), r.name())), Bytes.of(ModelCodec.encode(r))))
                .toArray(io.wharf.metadata.Op[]::new);
    }

    void deleteSnapshot(String volume, String name) {
        store.delete(Keys.snapshot(volume, name));
    }

    Optional<PolicyRecord> policy(String name) {
        return store.get(Keys.policy(name)).map(kv -> ModelCodec.decode(kv.value().toByteArray(), PolicyRecord.class));
    }

    List<PolicyRecord> policies() {
        return store.range(Keys.policies()).stream()
                .map(kv -> ModelCodec.decode(kv.value().toByteArray(), PolicyRecord.class)).toList();
    }

    void put(PolicyRecord record) {
        store.put(Bytes.of(Keys.policy(record.name())), Bytes.of(ModelCodec.encode(record)));
    }

    void deletePolicy(String name) {
        store.delete(Keys.policy(name));
    }

    private static List<SnapshotRecord> sorted(List<KeyValue> keyValues) {
        return keyValues.stream().map(VolumeCatalog::decodeSnapshot)
                .sorted(java.util.Comparator.comparing(SnapshotRecord::volume)
                        .thenComparing(SnapshotRecord::createdAt).thenComparing(SnapshotRecord::name))
                .toList();
    }

    private static SnapshotRecord decodeSnapshot(KeyValue keyValue) {
        return ModelCodec.decode(keyValue.value().toByteArray(), SnapshotRecord.class);
    }

    private static VolumeRecord decode(KeyValue keyValue) {
        return ModelCodec.decode(keyValue.value().toByteArray(), VolumeRecord.class);
    }
}
