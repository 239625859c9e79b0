package io.wharf.replication.sync.target;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.Scheduler;
import java.util.Optional;

/**
 * Brings one replica that is not in sync back, online: a resync copies the regions the replicas in
 * sync tracked for it plus its own activity log; a rebuild (new replica, or dirty regions unknown)
 * copies every region (after a {@link io.wharf.replication.sync.RebuildSeeder}, when the volume has
 * one, wrote the volume's snapshots into the copy). Steps: open a session at the target's epoch (superseding anything older on
 * the replica), read its activity log, record RESYNCING or REBUILDING, then send it every new write
 * and copy the regions one by one, paced to the configured bandwidth, each under its region lock;
 * then {@link ReplicatedVolume#join}. Any failure aborts; the target tries again later.
 */
final class Resync {
    private final ReplicatedVolume volume;
    private final Replica replica;
    private final boolean full;
    /** The seeder left snapshots in the copy: regions it holds already are not written again. */
    private boolean compare;
    private ReplicaSession session;
    private RegionSet toCopy;
    private boolean copying;
    private boolean aborted;
    private long nextCopyNanos;
    private Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;
    /** A paced start is scheduled on {@link #timer}. */
    private boolean paced;
    /** Region copies running now. */
    private int inFlight;
    /** Region copies a resync runs at once: a copy is a read from a replica in sync then a write, so one at a time leaves both idle half the time. */
    static final int COPIES_IN_FLIGHT = 4;

    Resync(ReplicatedVolume volume, Replica replica) {
        this.volume = volume;
        this.replica = replica;
        this.full = replica.tracked == null || replica.state == ReplicaState.REBUILDING;
    }

    boolean receivesWrites() {
        return copying && !aborted;
    }

    boolean aborted() {
        return aborted;
    }

    void start() {
        if (full && volume.seeder != null) { // the seeder's session on the copy ends before this resync opens its own
            volume.seeder.seed(volume.volumeId, replica.nodeId, volume.epoch, seeded -> {
                compare = seeded instanceof Outcome.Ok<Boolean>(Boolean holdsSnapshots) && holdsSnapshots;
                if (!aborted && volume.phase == ReplicatedVolume.Phase.SERVING) {
                    open();
                }
            });
        } else {
            open();
        }
    }

    private void open() {
        volume.endpoints.apply(replica.nodeId).open(volume.volumeId, volume.epoch, volume.geometry.sizeBytes(), full,
                volume.deadline("open " + replica.nodeId + " for resync", opened -> {
                    switch (opened) {
                        case Outcome.Ok<ReplicaSession>(ReplicaSession opening) -> {
                            if (aborted) {
                                opening.close();
                                return;
                            }
                            session = opening;
                            if (full) {
                                begin(volume.geometry.emptySet());
                            } else {
                                opening.regions(RegionLog.ACTIVITY, null, volume.deadline("activity log of " + replica.nodeId,
                                        this::activityLogRead));
                            }
                        }
                        case Outcome.StaleEpoch<ReplicaSession> stale -> volume.fence("replica " + replica.nodeId
                                + " has seen epoch " + stale.epoch());
                        case Outcome.Failed<ReplicaSession> failed -> {
                            if (failed.code() == ErrorCode.VOLUME_NOT_FOUND) {
                                replica.tracked = null; // its copy is gone: rebuild it in full
                            }
                            abort("open failed: " + failed.message());
                        }
                    }
                }));
    }

    private void activityLogRead(Outcome<Optional<RegionSet>> read) {
        switch (read) {
            case Outcome.Ok<Optional<RegionSet>>(Optional<RegionSet> log) -> begin(log.orElseGet(volume.geometry::emptySet));
            case Outcome.StaleEpoch<Optional<RegionSet>> stale -> volume.fence("replica " + replica.nodeId + " has seen epoch "
                    + stale.epoch());
            case Outcome.Failed<Optional<RegionSet>> failed -> abort("reading its activity log failed: " + failed.message());
        }
    }

    private void begin(RegionSet activityLog) {
        if (aborted) {
            return;
        }
        ReplicaState next = full ? ReplicaState.REBUILDING : ReplicaState.RESYNCING;
        volume.updateRecord("record " + replica.nodeId + " " + next, current -> {
            ReplicaState state = current.state(replica.nodeId);
            return state == null || state == ReplicaState.IN_SYNC ? current : current.withState(replica.nodeId, next);
        }, committed -> {
            if (aborted || volume.phase != ReplicatedVolume.Phase.SERVING) {
                return;
            }
            if (committed.state(replica.nodeId) != next || volume.replicas.get(replica.nodeId) != replica) {
                abort("the replica left the record");
                return;
            }
            if (replica.state != next) {
                replica.state = next;
                volume.listener.on(new ReplicationEvent.ReplicaStateChanged(volume.volumeId, replica.nodeId, next, volume.epoch,
                        full ? "rebuild started" : "resync started"));
            }
            replica.session = session;
            toCopy = full ? RegionSet.all(volume.geometry.regionCount())
                    : volume.defect == Defect.RESYNC_SKIPS_DIRTY_MAP ? volume.geometry.emptySet() : replica.tracked.copy();
            toCopy.addAll(activityLog);
            copying = true;
            replica.regionsToCopy = toCopy.size();
            replica.regionsCopied = 0;
            volume.listener.on(new ReplicationEvent.ResyncStarted(volume.volumeId, replica.nodeId, toCopy.size(), full));
            copyNext();
        }, (io.wharf.replication.sync.Completion<Void>) givenUp -> abort("recording " + next + " failed: "
                + ReplicatedVolume.describe(givenUp)));
    }

    /**
     * Starts region copies until {@link #COPIES_IN_FLIGHT} run (each under its own region's lock, so
     * they are independent), paced to the bandwidth; joins once every region is copied and no copy runs.
     */
    private void copyNext() {
        while (!aborted && volume.phase == ReplicatedVolume.Phase.SERVING && inFlight < COPIES_IN_FLIGHT) {
            int region = toCopy.next(0);
            if (region < 0) {
                if (inFlight == 0) {
                    volume.join(replica, this);
                }
                return;
            }
            long now = volume.scheduler.nanoTime();
            long rate = volume.config.resyncBytesPerSecond();
            if (rate > 0 && nextCopyNanos > now) {
                if (!paced) {
                    paced = true;
                    timer = volume.scheduler.schedule(nextCopyNanos - now, () -> {
                        paced = false;
                        copyNext();
                    });
                }
                return;
            }
            toCopy.remove(region);
            if (rate > 0) {
                long bytes = volume.geometry.regionLength(region);
                nextCopyNanos = Math.max(now, nextCopyNanos) + Math.max(1, bytes * 1_000_000_000L / rate);
            }
            ReplicaSession destination = session;
            inFlight++;
            volume.copyRegion(region, replica, destination, compare, copied -> {
                inFlight--;
                if (aborted || volume.phase != ReplicatedVolume.Phase.SERVING) {
                    return;
                }
                if (copied instanceof Outcome.Ok<Void>) {
                    replica.regionsCopied++;
                    copyNext();
                } else if (replica.session == destination) {
                    volume.failedCall(replica, destination, copied);
                    abort("copy of region " + region + " failed: " + ReplicatedVolume.describe(copied));
                }
            });
        }
    }

    /** Stops this resync (idempotent); the replica is tried again later while the target serves. */
    void abort(String reason) {
        if (aborted) {
            return;
        }
        aborted = true;
        copying = false;
        timer.cancel();
        if (replica.resync == this) {
            replica.resync = null;
        }
        ReplicaSession mine = session;
        session = null;
        if (mine != null) {
            if (replica.session == mine) {
                replica.session = null;
            }
            mine.close();
        }
        volume.listener.on(new ReplicationEvent.ResyncAborted(volume.volumeId, replica.nodeId, reason));
        if (volume.phase != ReplicatedVolume.Phase.SERVING || volume.replicas.get(replica.nodeId) != replica) {
            return;
        }
        if (replica.state == ReplicaState.RESYNCING) {
            volume.updateRecord("record " + replica.nodeId + " out of sync", current ->
                    current.state(replica.nodeId) == ReplicaState.RESYNCING
                            ? current.withState(replica.nodeId, ReplicaState.OUT_OF_SYNC) : current, committed -> {
                if (replica.state == ReplicaState.RESYNCING && replica.resync == null) {
                    replica.state = ReplicaState.OUT_OF_SYNC;
                    volume.listener.on(new ReplicationEvent.ReplicaStateChanged(volume.volumeId, replica.nodeId,
                            ReplicaState.OUT_OF_SYNC, volume.epoch, "resync aborted"));
                }
            }, null);
        }
        volume.scheduleResync(replica, volume.config.resyncRetryNanos());
    }
}
