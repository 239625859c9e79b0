package io.wharf.replication.sync.target;

import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationEvent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Joins of resynced replicas into the in-sync set, one at a time (they share the hold on writes):
 * hold writes, drain, flush the replica, make it track the peers behind, record it IN_SYNC.
 */
final class Joins {
    private final ReplicatedVolume volume;
    private boolean joining;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();

    Joins(ReplicatedVolume volume) {
        this.volume = volume;
    }

    /** A join is under way (its track calls carry region sets of the current geometry). */
    boolean busy() {
        return joining;
    }

    @Override
    public String toString() {
        return (joining ? "joining" : "idle") + (queue.isEmpty() ? "" : " +" + queue.size() + " queued");
    }

    /**
     * The copy of a resync or rebuild is complete: hold new writes, wait for those in flight (and for
     * any marking round), flush the replica, make it track the peers out of sync, and record it
     * IN_SYNC; it counts for every write from then on. One join at a time: the others wait their turn.
     */
    void join(Replica replica, Resync job) {
        if (joining) {
            queue.add(() -> join(replica, job));
            return;
        }
        if (job.aborted() || volume.phase != ReplicatedVolume.Phase.SERVING) {
            return;
        }
        joining = true;
        volume.pause(ReplicatedVolume.PAUSE_JOIN);
        volume.whenDrained(() -> volume.updates.isEmpty() && volume.flushes.isEmpty() && !volume.marking, () -> {
            if (job.aborted() || volume.phase != ReplicatedVolume.Phase.SERVING) {
                endJoin();
                return;
            }
            ReplicaSession session = replica.session;
            session.flush(volume.deadline("flush of " + replica.nodeId + " before it joins", flushed -> {
                if (!(flushed instanceof Outcome.Ok<Void>) || job.aborted()) {
                    volume.failedCall(replica, session, flushed);
                    endJoin();
                    return;
                }
                List<Replica> behind = volume.replicas.values().stream()
                        .filter(peer -> peer != replica && peer.state != ReplicaState.IN_SYNC && peer.tracked != null).toList();
                Countdown countdown = new Countdown(volume.scheduler, behind.size(), () -> recordJoin(replica, job, session));
                for (Replica peer : behind) {
                    session.track(peer.nodeId, peer.tracked.copy(), volume.deadline("track " + peer.nodeId + " on " + replica.nodeId,
                            outcome -> {
                                volume.failedCall(replica, session, outcome);
                                countdown.one();
                            }));
                }
            }));
        });
    }

    private void endJoin() {
        joining = false;
        volume.unpause(ReplicatedVolume.PAUSE_JOIN);
        if (!queue.isEmpty() && volume.phase == ReplicatedVolume.Phase.SERVING) {
            volume.scheduler.execute(queue.removeFirst());
        }
    }

    /**
     * Records the replica IN_SYNC. Writes stay held until the compare-and-set is answered, so the
     * replica misses none meanwhile; the change is made only while the job still runs. Should the
     * answer come after the job was aborted anyway (it was in flight), the replica is taken for a
     * replica in sync that failed: marked OUT_OF_SYNC before any write is acknowledged again.
     */
    private void recordJoin(Replica replica, Resync job, ReplicaSession session) {
        if (job.aborted() || replica.session != session || volume.phase != ReplicatedVolume.Phase.SERVING) {
            endJoin();
            return;
        }
        volume.updateRecord("record " + replica.nodeId + " in sync", current -> current.replica(replica.nodeId).isEmpty() || job.aborted()
                ? current : current.withState(replica.nodeId, ReplicaState.IN_SYNC), committed -> {
            if (committed.state(replica.nodeId) == ReplicaState.IN_SYNC && volume.replicas.get(replica.nodeId) == replica) {
                boolean live = !job.aborted() && replica.session == session;
                replica.state = ReplicaState.IN_SYNC;
                replica.resync = null;
                if (live) {
                    replica.tracked = null;
                    volume.listener.on(new ReplicationEvent.ResyncCompleted(volume.volumeId, replica.nodeId, replica.regionsToCopy));
                    volume.listener.on(new ReplicationEvent.ReplicaStateChanged(volume.volumeId, replica.nodeId, ReplicaState.IN_SYNC, volume.epoch,
                            "resync complete"));
                    untrackEverywhere(replica);
                } else {
                    replica.session = session; // so that the failure below takes: it is in sync, and failed
                    volume.replicaFailed(replica.nodeId, session, "failed while its join was being recorded");
                }
            }
            endJoin();
        }, (Completion<Void>) _ -> endJoin());
    }

    private void untrackEverywhere(Replica replica) {
        for (Replica other : volume.healthyReplicas()) {
            if (other != replica) {
                ReplicaSession otherSession = other.session;
                otherSession.untrack(replica.nodeId, volume.deadline("untrack " + replica.nodeId + " on " + other.nodeId,
                        outcome -> volume.failedCall(other, otherSession, outcome)));
            }
        }
    }
}
