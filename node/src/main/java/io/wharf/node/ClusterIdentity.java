package io.wharf.node;

import io.wharf.core.Clock;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Compare;
import io.wharf.metadata.Op;
import io.wharf.metadata.Txn;
import io.wharf.metadata.model.ClusterRecord;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.ModelCodec;
import java.util.UUID;

/** The cluster's id: written once by the first node, with a create-if-absent transaction. */
final class ClusterIdentity {
    private ClusterIdentity() {}

    static String ensure(ClusterStore store, Clock clock) {
        Bytes key = Bytes.of(Keys.cluster());
        ClusterRecord fresh = ClusterRecord.of(UUID.randomUUID().toString(), clock.now());
        store.txn(Txn.when(new Compare.Absent(key)).then(Op.put(key, Bytes.of(ModelCodec.encode(fresh)))).otherwise());
        return store.get(key).map(kv -> ModelCodec.decode(kv.value().toByteArray(), ClusterRecord.class).clusterId())
                .orElseThrow(() -> new IllegalStateException("cluster record missing right after it was written"));
    }
}
