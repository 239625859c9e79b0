package io.wharf.replication.sync;

import java.util.Objects;

/** One replica of a volume in the cluster store: the node holding it and its state. */
public record ReplicaEntry(String nodeId, ReplicaState state) {
    public ReplicaEntry {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(state, "state");
    }
}
