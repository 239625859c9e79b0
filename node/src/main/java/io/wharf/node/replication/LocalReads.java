package io.wharf.node.replication;

import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.replica.ReplicaVolume;
import io.wharf.replication.sync.target.VolumeStatus;
import io.wharf.storage.Volume;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Reads of a replicated volume straight from this node's copy, on the caller's thread, while the
 * target holds that copy in sync: no hop onto the replication loop and back, as for an
 * unreplicated volume. Otherwise the caller takes the core's read path.
 *
 * <p>Why it is safe: every write acknowledged so far has been applied to every replica in sync, so
 * to this copy while it is in sync. The target records a replica out of sync (and this class hears
 * it, on the loop) before it acknowledges any write that replica missed, so no read that follows an
 * acknowledged write can miss it here. A newer attach elsewhere opens this copy at a higher epoch,
 * after which these reads stop (the copy's epoch no longer matches); the target is fenced too.
 * Reads overlapping a write in flight may see either data, which NBD allows.
 */
final class LocalReads {
    private final String nodeId;
    private final String volumeId;
    private volatile boolean inSync;
    private volatile ReplicaVolume replica;
    private volatile Volume copy;
    private volatile long epoch = -1;

    LocalReads(String nodeId, String volumeId) {
        this.nodeId = nodeId;
        this.volumeId = volumeId;
    }

    /** Follows the target's events (on the loop, before the acknowledgements they precede). */
    void on(ReplicationEvent event) {
        switch (event) {
            case ReplicationEvent.ReplicaStateChanged changed when changed.volumeId().equals(volumeId)
                    && changed.replica().equals(nodeId) -> inSync = changed.state() == ReplicaState.IN_SYNC;
            case ReplicationEvent.Fenced fenced when fenced.volumeId().equals(volumeId) -> inSync = false;
            case ReplicationEvent.Failed failed when failed.volumeId().equals(volumeId) -> inSync = false;
            default -> { }
        }
    }

    /** The target serves at {@code status}'s epoch (called on the loop when the attach completed). */
    void start(VolumeStatus status, Optional<ReplicaVolume> localReplica, Optional<Volume> localCopy) {
        this.replica = localReplica.orElse(null);
        this.copy = localCopy.orElse(null);
        this.epoch = status.epoch();
        this.inSync = replica != null && copy != null && status.replicas().stream()
                .anyMatch(r -> r.nodeId().equals(nodeId) && r.state() == ReplicaState.IN_SYNC && !r.failing());
    }

    /** The target stopped serving here. */
    void stop() {
        inSync = false;
    }

    /** Fills {@code dst} (position unchanged) from this node's copy when allowed; false: use the core's path. */
    boolean read(long offset, ByteBuffer dst) {
        ReplicaVolume local = replica;
        Volume data = copy;
        if (!inSync || local == null || data == null || local.epoch() != epoch) {
            return false;
        }
        try {
            data.read(offset, dst.duplicate());
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            return false; // the core's path reads another replica, or reports the failure
        }
    }
}
