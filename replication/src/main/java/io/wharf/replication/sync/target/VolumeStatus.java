package io.wharf.replication.sync.target;

import io.wharf.replication.sync.ReplicaState;
import java.util.List;

/**
 * What {@code wharf volume inspect} shows of a replicated volume, as its target sees it.
 *
 * @param phase    the target's phase
 * @param replicas in record order
 */
public record VolumeStatus(String volumeId, String target, long epoch, ReplicatedVolume.Phase phase, List<Replica> replicas) {
    public VolumeStatus {
        replicas = List.copyOf(replicas);
    }

    /**
     * One replica: its node and state, and for a resync or rebuild the regions copied so far out of
     * those to copy.
     */
    public record Replica(String nodeId, ReplicaState state, boolean failing, int regionsCopied, int regionsToCopy) {}
}
