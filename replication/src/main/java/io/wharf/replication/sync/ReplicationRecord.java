package io.wharf.replication.sync;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the cluster store says about a volume's replication: its replica set with each replica's
 * state, the epoch of the current attachment and the node it is attached to. The one source of
 * truth for which replicas may serve as a source: a replica is only ever read from or copied from
 * while this record says it is {@link ReplicaState#IN_SYNC}.
 *
 * <p>Invariants (checked here): node ids are distinct; a non-empty replica set has at least one
 * replica in sync; the epoch is never negative. Changes are made by compare-and-set on the record's
 * revision, and every change a target makes also requires the epoch it attached with: a target whose
 * epoch is no longer the record's is fenced and changes nothing.
 *
 * @param epoch  raised by every attach; replicas refuse requests of a lower epoch
 * @param target the node the volume is attached to at {@code epoch}, or null when never attached
 */
public record ReplicationRecord(String volumeId, long sizeBytes, long epoch, String target, List<ReplicaEntry> replicas) {
    public ReplicationRecord {
        Objects.requireNonNull(volumeId, "volumeId");
        replicas = List.copyOf(replicas);
        if (epoch < 0 || sizeBytes <= 0) {
            throw new IllegalArgumentException("epoch " + epoch + " and size " + sizeBytes + " of " + volumeId + " are not valid");
        }
        Set<String> nodes = new HashSet<>();
        boolean inSync = false;
        for (ReplicaEntry entry : replicas) {
            if (!nodes.add(entry.nodeId())) {
                throw new IllegalArgumentException("node " + entry.nodeId() + " holds two replicas of " + volumeId);
            }
            inSync |= entry.state() == ReplicaState.IN_SYNC;
        }
        if (!replicas.isEmpty() && !inSync) {
            throw new IllegalArgumentException("volume " + volumeId + " would have no replica in sync: " + replicas);
        }
    }

    public Optional<ReplicaEntry> replica(String nodeId) {
        return replicas.stream().filter(entry -> entry.nodeId().equals(nodeId)).findFirst();
    }

    public ReplicaState state(String nodeId) {
        return replica(nodeId).map(ReplicaEntry::state).orElse(null);
    }

    /** The nodes whose replicas are in sync, in record order. */
    public List<String> inSync() {
        return replicas.stream().filter(entry -> entry.state() == ReplicaState.IN_SYNC).map(ReplicaEntry::nodeId).toList();
    }

    /** This record attached to {@code node} at {@code nextEpoch}. */
    public ReplicationRecord attached(long nextEpoch, String node) {
        if (nextEpoch <= epoch) {
            throw new IllegalArgumentException("epoch " + nextEpoch + " does not follow " + epoch);
        }
        return new ReplicationRecord(volumeId, sizeBytes, nextEpoch, node, replicas);
    }

    /** This record with {@code nodeId}'s replica in {@code state} (added at the end if absent). */
    public ReplicationRecord withState(String nodeId, ReplicaState state) {
        List<ReplicaEntry> next = new ArrayList<>(replicas);
        boolean found = false;
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).nodeId().equals(nodeId)) {
                next.set(i, new ReplicaEntry(nodeId, state));
                found = true;
            }
        }
        if (!found) {
            next.add(new ReplicaEntry(nodeId, state));
        }
        return new ReplicationRecord(volumeId, sizeBytes, epoch, target, next);
    }

    /** This record for the volume grown to {@code largerBytes}; never smaller than it is. */
    public ReplicationRecord grown(long largerBytes) {
        return new ReplicationRecord(volumeId, Math.max(sizeBytes, largerBytes), epoch, target, replicas);
    }

    public ReplicationRecord without(String nodeId) {
        return new ReplicationRecord(volumeId, sizeBytes, epoch, target,
                replicas.stream().filter(entry -> !entry.nodeId().equals(nodeId)).toList());
    }
}
