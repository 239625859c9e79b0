package io.wharf.metadata.model;

import java.util.Objects;

/**
 * One replica of a replicated volume, inside its {@link VolumeRecord}: the node whose pool holds it
 * and its state as the volume's target last recorded it. Only replicas {@link State#IN_SYNC} may be
 * read from or copied from.
 */
public record VolumeReplica(String node, State state) {
    /** Mirrors {@code io.wharf.replication.sync.ReplicaState} (the metadata module knows no replication code). */
    public enum State { IN_SYNC, RESYNCING, OUT_OF_SYNC, REBUILDING }

    public VolumeReplica {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(state, "state");
    }
}
