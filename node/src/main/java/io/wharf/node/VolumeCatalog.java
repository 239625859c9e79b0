package io.wharf.node;

import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.ModelCodec;
import io.wharf.metadata.model.VolumeRecord;
import java.util.List;
import java.util.Optional;

/** Volume records in the cluster store, by name. */
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

    void delete(String name) {
        store.delete(Keys.volume(name));
    }

    private static VolumeRecord decode(KeyValue keyValue) {
        return ModelCodec.decode(keyValue.value().toByteArray(), VolumeRecord.class);
    }
}
