package io.wharf.replication.sync.target;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Deadline;
import io.wharf.replication.sync.Invariants;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RebuildSeeder;
import io.wharf.replication.sync.RecordStore;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.Versioned;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The target of a replicated volume: where it is attached, the node that takes its client's I/O and
 * fans writes out to the replicas. Pure logic on a {@link Scheduler}; see {@code replication/README.md}
 * for the protocol and the argument for each invariant.
 *
 * <ul>
 *   <li><b>Writes</b> go to every replica in sync (and to a replica being resynced); the client's
 *       acknowledgement waits for every replica in sync. Overlapping writes are ordered by
 *       {@link RangeLocks}, so all replicas apply them in the same order.</li>
 *   <li><b>A failed replica</b> (error, timeout, lost session): new writes are held; the replicas
 *       still in sync are told to track the regions it may have missed (durably); the record is
 *       changed to OUT_OF_SYNC by compare-and-set; only then are the writes that waited for it
 *       acknowledged. A compare-and-set that finds a newer epoch fences this target: everything
 *       pending fails, and nothing is acknowledged again.</li>
 *   <li><b>Flushes</b> go to the replicas in sync; a replica that fails one is marked as above.</li>
 *   <li><b>Reads</b> go to the local replica if it is in sync, else round robin over those in sync.</li>
 *   <li><b>The activity log</b> of each replica is settled (emptied of regions flushed everywhere)
 *       every few flushes, while new writes are held for one round trip.</li>
 *   <li><b>Resync and rebuild</b> ({@link Resync}) run online and join the in-sync set by
 *       compare-and-set only when complete.</li>
 *   <li><b>Growth</b> ({@link #grow}): writes are held and drained, resyncs stopped; the record
 *       takes the new size by compare-and-set first (so a replica opened later, by a resync or a
 *       takeover, grows at its open); then every replica in sync grows; then the target carries its
 *       region sets to the grown geometry and resumes. Marking rounds wait meanwhile, so no region set
 *       of the old geometry reaches a replica that grew.</li>
 * </ul>
 *
 * <p>Thread safety: none; every call must run on {@link #scheduler}. Client completions run on it too,
 * never inside the call that started them.
 */
public final class ReplicatedVolume {
    /** Largest read or write: one frame's payload. The node splits larger NBD requests. */
    public static final int MAX_IO_BYTES = 1 << 20;

    public enum Phase { ATTACHING, SERVING, FENCED, FAILED, DETACHED }

    static final int PAUSE_MARK = 1;
    static final int PAUSE_SETTLE = 2;
    static final int PAUSE_JOIN = 4;
    static final int PAUSE_DETACH = 8;
    static final int PAUSE_GROW = 16;
    static final int PAUSE_SNAPSHOT = 32;
    static final int PAUSE_REVERT = 64;

    final String volumeId;
    final String localNode;
    final Scheduler scheduler;
    final RecordStore store;
    final Function<String, ReplicaEndpoint> endpoints;
    final ReplicationConfig config;
    final ReplicationListener listener;
    /** Seeds a copy before its full rebuild; null: none. */
    RebuildSeeder seeder;
    final RangeLocks locks;
    Defect defect = Defect.NONE;

    Phase phase = Phase.ATTACHING;
    long epoch;
    Versioned<ReplicationRecord> record;
    RegionGeometry geometry;
    final Map<String, Replica> replicas = new LinkedHashMap<>();

    private final Set<ClientOp<?>> pending = new LinkedHashSet<>();
    final List<ClientOp.Update> updates = new ArrayList<>();
    final List<ClientOp.Flush> flushes = new ArrayList<>();
    private int pendingWrites;
    private int pauses;
    private final List<Runnable> held = new ArrayList<>();
    private final List<DrainWaiter> drainWaiters = new ArrayList<>();
    private int readCursor;

    // marking failed replicas out of sync
    private long markStarted;
    private long markCommitted;
    boolean marking;
    /** A marking round waits for a growth to finish. */
    private boolean markDeferred;

    /** A growth is under way: from its hold on writes until the target's region sets are carried. */
    boolean growing;
    /** The growth has drained and is changing the record and the replicas: marking rounds wait. */
    private boolean growthSent;
    private Completion<Void> growthDone;
    /** A snapshot is under way (writes held until every replica in sync took it). */
    private boolean snapshotting;
    private Completion<List<String>> snapshotDone;
    /** A revert is under way (writes held until the replicas that could revert did). */
    private boolean reverting;
    private Completion<Void> revertDone;

    private final Joins joins = new Joins(this);

    // activity-log settlement
    private RegionSet unsettled;
    private RegionSet settleable;
    /** Regions settleable at the previous settlement round and not written since: idle for a round at least. */
    private RegionSet aged;
    private long lastSettleNanos;
    private int flushesSinceSettle;
    private boolean settling;

    private record DrainWaiter(BooleanSupplier ready, Runnable then) {}

    ReplicatedVolume(String volumeId, String localNode, Scheduler scheduler, RecordStore store,
                     Function<String, ReplicaEndpoint> endpoints, ReplicationConfig config, ReplicationListener listener) {
        this.volumeId = volumeId;
        this.localNode = localNode;
        this.scheduler = scheduler;
        this.store = store;
        this.endpoints = endpoints;
        this.config = config;
        this.listener = listener;
        this.locks = new RangeLocks(scheduler, config.maxPendingOps() + 64);
    }

    /**
     * Attaches volume {@code volumeId} on {@code localNode}: raises the epoch in the record by
     * compare-and-set, opens the replicas in sync at the new epoch (fencing any older target),
     * reconciles the regions of their activity logs from one of them, and completes with a volume
     * that serves I/O. Fails (UNAVAILABLE) when no replica in sync can be reached, when a newer attach
     * overtook this one, or when the store is unreachable; the caller may try again.
     */
    public static void attach(String volumeId, String localNode, Scheduler scheduler, RecordStore store,
                              Function<String, ReplicaEndpoint> endpoints, ReplicationConfig config, ReplicationListener listener,
                              Completion<ReplicatedVolume> done) {
        attach(volumeId, localNode, scheduler, store, endpoints, config, listener, null, done);
    }

    /** {@link #attach}, with {@code seeder} (may be null) preparing each copy before its full rebuild. */
    public static void attach(String volumeId, String localNode, Scheduler scheduler, RecordStore store,
                              Function<String, ReplicaEndpoint> endpoints, ReplicationConfig config, ReplicationListener listener,
                              RebuildSeeder seeder, Completion<ReplicatedVolume> done) {
        ReplicatedVolume volume = new ReplicatedVolume(volumeId, localNode, scheduler, store, endpoints, config, listener);
        volume.seeder = seeder;
        new Takeover(volume, done).start();
    }

    // --- what the node asks ---

    public String volumeId() {
        return volumeId;
    }

    public long epoch() {
        return epoch;
    }

    public Phase phase() {
        return phase;
    }

    public long sizeBytes() {
        return geometry.sizeBytes();
    }

    public VolumeStatus status() {
        List<VolumeStatus.Replica> list = new ArrayList<>();
        for (Replica replica : replicas.values()) {
            list.add(new VolumeStatus.Replica(replica.nodeId, replica.state, replica.failing, replica.regionsCopied,
                    replica.regionsToCopy));
        }
        return new VolumeStatus(volumeId, localNode, epoch, phase, list);
    }

    /** The target's internal state in one line, for diagnostics (what is held, in flight, waited for). */
    public String diagnostics() {
        StringBuilder text = new StringBuilder("phase ").append(phase).append(" pauses ").append(pauses).append(" held ")
                .append(held.size()).append(" marking ").append(marking).append(" settling ").append(settling).append(" joins ")
                .append(joins).append(" locks ").append(locks.size()).append(" drainWaiters ").append(drainWaiters.size());
        for (ClientOp.Update op : updates) {
            text.append(" | update ").append(op.offset).append('+').append(op.length).append(" answered ").append(op.answered)
                    .append(" outstanding ").append(op.outstanding.keySet()).append(" awaiting ").append(op.awaiting)
                    .append(" mark ").append(op.needsMark).append('/').append(markCommitted);
        }
        for (ClientOp.Flush op : flushes) {
            text.append(" | flush answered ").append(op.answered).append(" outstanding ").append(op.outstanding.keySet())
                    .append(" awaiting ").append(op.awaiting);
        }
        return text.toString();
    }

    // --- client I/O ---

    public void read(long offset, int length, Completion<ByteBuffer> done) {
        String invalid = checkRange(offset, length, MAX_IO_BYTES);
        ClientOp.Read op = new ClientOp.Read(offset, length, done);
        pending.add(op);
        if (invalid != null || length == 0) {
            answer(op, invalid != null ? Outcome.failed(ErrorCode.INVALID_ARGUMENT, invalid) : Outcome.ok(ByteBuffer.allocate(0)));
            return;
        }
        attemptRead(op);
    }

    public void write(long offset, ByteBuffer data, boolean fua, Completion<Void> done) {
        submitUpdate(offset, data.remaining(), data.slice(), fua, MAX_IO_BYTES, done);
    }

    public void trim(long offset, long length, boolean fua, Completion<Void> done) {
        submitUpdate(offset, length, null, fua, Long.MAX_VALUE, done);
    }

    /** Every write and trim acknowledged before this call is durable on every replica in sync when it succeeds. */
    public void flush(Completion<Void> done) {
        ClientOp.Flush op = new ClientOp.Flush(done);
        pending.add(op);
        if (!admitWrite(op)) {
            return;
        }
        whenUnpaused(() -> sendFlush(op));
    }

    /** Stops serving after flushing: holds new I/O, waits for I/O in flight, flushes the replicas in sync. */
    public void detach(Completion<Void> done) {
        if (phase != Phase.SERVING) {
            scheduler.execute(() -> done.complete(phaseFailure()));
            return;
        }
        pause(PAUSE_DETACH);
        whenDrained(() -> updates.isEmpty() && flushes.isEmpty(), () -> {
            List<Replica> healthy = healthyReplicas();
            Countdown countdown = new Countdown(scheduler, healthy.size(), () -> {
                if (phase == Phase.SERVING) {
                    phase = Phase.DETACHED;
                    closeEverything(Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " was detached"));
                }
                done.complete(Outcome.done());
            });
            for (Replica replica : healthy) {
                ReplicaSession session = replica.session;
                session.flush(deadline("flush of " + replica.nodeId, outcome -> {
                    if (!(outcome instanceof Outcome.Ok<Void>)) {
                        replicaFailed(replica.nodeId, session, describe(outcome));
                    }
                    countdown.one();
                }));
            }
        });
    }

    // --- replica set changes ---

    /** Adds a replica on {@code nodeId}: recorded REBUILDING at once, rebuilt online, in sync when complete. */
    public void addReplica(String nodeId, Completion<Void> done) {
        if (phase != Phase.SERVING || replicas.containsKey(nodeId)) {
            Outcome<Void> refusal = phase != Phase.SERVING ? phaseFailure()
                    : Outcome.failed(ErrorCode.INVALID_ARGUMENT, "node " + nodeId + " already holds a replica of " + volumeId);
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        updateRecord("add replica " + nodeId, current -> current.replica(nodeId).isPresent() ? current
                : current.withState(nodeId, ReplicaState.REBUILDING), committed -> {
            if (!replicas.containsKey(nodeId)) {
                Replica replica = new Replica(nodeId, ReplicaState.REBUILDING);
                replicas.put(nodeId, replica);
                listener.on(new ReplicationEvent.ReplicaStateChanged(volumeId, nodeId, ReplicaState.REBUILDING, epoch, "added"));
                scheduleResync(replica, 0);
            }
            done.complete(Outcome.done());
        }, done);
    }

    /** Removes the replica on {@code nodeId}; refused if it is the last one in sync. */
    public void removeReplica(String nodeId, Completion<Void> done) {
        Replica replica = replicas.get(nodeId);
        boolean lastInSync = replica != null && replica.state == ReplicaState.IN_SYNC
                && healthyReplicas().stream().allMatch(other -> other == replica);
        if (phase != Phase.SERVING || replica == null || lastInSync) {
            Outcome<Void> refusal = phase != Phase.SERVING ? phaseFailure() : Outcome.failed(ErrorCode.INVALID_ARGUMENT,
                    replica == null ? "node " + nodeId + " holds no replica of " + volumeId
                            : "the replica on " + nodeId + " is the last one in sync of " + volumeId);
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        updateRecord("remove replica " + nodeId, current -> current.without(nodeId), committed -> {
            Replica gone = replicas.remove(nodeId);
            if (gone != null) {
                gone.retry.cancel();
                if (gone.resync != null) {
                    gone.resync.abort("removed");
                }
                ReplicaSession session = gone.session;
                gone.session = null;
                if (session != null) {
                    session.close();
                }
                writeOff(nodeId);
                if (healthyReplicas().isEmpty()) { // the others failed meanwhile: the writes since are on no replica in sync
                    fail("no replica in sync is left after removing the one on " + nodeId);
                    done.complete(Outcome.done());
                    return;
                }
                for (Replica other : healthyReplicas()) {
                    ReplicaSession otherSession = other.session;
                    otherSession.untrack(nodeId, deadline("untrack " + nodeId, outcome -> failedCall(other, otherSession, outcome)));
                }
                progressAll();
            }
            done.complete(Outcome.done());
        }, done);
    }

    // --- snapshots ---

    /**
     * Takes a snapshot, stored under {@code snapshotId}, on every replica in sync: holds new writes and
     * flushes, waits for those in flight (so every replica in sync holds the same bytes), sends the
     * snapshot to each, and resumes. Completes with the nodes that took it, in record order; a replica
     * that fails it is marked out of sync as after any failed call, and is not among them. Fails when
     * none took it. Reads go on throughout.
     */
    public void snapshot(String snapshotId, Completion<List<String>> done) {
        if (phase != Phase.SERVING || growing || snapshotting || reverting) {
            Outcome<List<String>> refusal = phase != Phase.SERVING ? phaseFailure()
                    : Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " is " + (growing ? "growing" : "taking a snapshot")
                            + "; try again when it is done");
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        snapshotting = true;
        snapshotDone = done;
        pause(PAUSE_SNAPSHOT);
        whenDrained(() -> updates.isEmpty() && flushes.isEmpty(), () -> {
            List<Replica> healthy = healthyReplicas();
            List<String> took = new ArrayList<>();
            Countdown countdown = new Countdown(scheduler, healthy.size(), () -> {
                List<String> holders = replicas.values().stream().map(replica -> replica.nodeId).filter(took::contains).toList();
                endSnapshot(phase != Phase.SERVING ? phaseFailure() : holders.isEmpty()
                        ? Outcome.failed(ErrorCode.UNAVAILABLE, "no replica of " + volumeId + " took snapshot " + snapshotId)
                        : Outcome.ok(holders));
            });
            for (Replica replica : healthy) {
                ReplicaSession session = replica.session;
                session.snapshot(snapshotId, deadline("snapshot on " + replica.nodeId, outcome -> {
                    if (outcome instanceof Outcome.Ok<Void>) {
                        took.add(replica.nodeId);
                    } else {
                        failedCall(replica, session, outcome);
                    }
                    countdown.one();
                }));
            }
        });
    }

    /** Ends the snapshot with {@code outcome} (once; also when the target stops while it waits) and resumes. */
    private void endSnapshot(Outcome<List<String>> outcome) {
        Completion<List<String>> done = snapshotDone;
        if (done == null) {
            return;
        }
        snapshotDone = null;
        snapshotting = false;
        scheduler.execute(() -> done.complete(outcome));
        if (phase == Phase.SERVING) {
            unpause(PAUSE_SNAPSHOT);
        }
    }

    // --- revert ---

    /**
     * Reverts the volume to snapshot {@code snapshotId}, held by the copies on {@code holders}: holds new
     * writes and flushes, waits for those in flight (and marking, settling, joins), stops the resyncs;
     * records every replica but one in-sync holder (the primary: the local copy when it can) out of
     * sync and has the primary drop its dirty maps, so that should the target die from here on, a
     * takeover rebuilds them in full; reverts the primary; then reverts every other replica that was in
     * sync and holds the snapshot and records it in sync again (all reverted to the same bytes, with no
     * write since). The rest are rebuilt in full from the primary afterwards. The caller keeps clients
     * away (their reads would change under them).
     */
    public void revert(String snapshotId, java.util.Collection<String> holders, Completion<Void> done) {
        Replica local = replicas.get(localNode);
        Replica primary = local != null && local.healthy() && holders.contains(localNode) ? local
                : healthyReplicas().stream().filter(replica -> holders.contains(replica.nodeId)).findFirst().orElse(null);
        Outcome<Void> refusal = phase != Phase.SERVING ? phaseFailure()
                : growing || snapshotting || reverting ? Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId
                        + " is busy growing, taking a snapshot or reverting; try again when it is done")
                : primary == null ? Outcome.failed(ErrorCode.UNAVAILABLE, "no replica of " + volumeId + " in sync holds snapshot "
                        + snapshotId + " (it was taken on " + holders + ")") : null;
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        reverting = true;
        revertDone = done;
        pause(PAUSE_REVERT);
        for (Replica replica : replicas.values()) {
            replica.retry.cancel();
            if (replica.resync != null) {
                replica.resync.abort("the volume is reverted");
            }
        }
        whenDrained(() -> updates.isEmpty() && flushes.isEmpty() && !marking && !settling && !joins.busy(), () -> {
            if (!primary.healthy()) {
                endRevert(Outcome.failed(ErrorCode.UNAVAILABLE, "the replica on " + primary.nodeId + " left the in-sync set"));
                return;
            }
            List<Replica> alsoReverted = healthyReplicas().stream()
                    .filter(replica -> replica != primary && holders.contains(replica.nodeId)).toList();
            updateRecord("revert " + volumeId + " to " + snapshotId, current -> {
                ReplicationRecord next = current;
                for (ReplicaEntry entry : current.replicas()) {
                    if (!entry.nodeId().equals(primary.nodeId) && entry.state() != ReplicaState.REBUILDING) {
                        next = next.withState(entry.nodeId(), ReplicaState.OUT_OF_SYNC);
                    }
                }
                return next;
            }, committed -> {
                for (Replica replica : replicas.values()) {
                    if (replica == primary) {
                        continue;
                    }
                    if (!alsoReverted.contains(replica) && replica.session != null) {
                        replica.session.close();
                        replica.session = null;
                    }
                    replica.tracked = null; // copied in full unless it reverts too
                    if (replica.state == ReplicaState.IN_SYNC || replica.state == ReplicaState.RESYNCING) {
                        replica.state = ReplicaState.OUT_OF_SYNC;
                        listener.on(new ReplicationEvent.ReplicaStateChanged(volumeId, replica.nodeId, ReplicaState.OUT_OF_SYNC,
                                epoch, "the volume is reverted"));
                    }
                }
                List<String> others = replicas.keySet().stream().filter(node -> !node.equals(primary.nodeId)).toList();
                ReplicaSession session = primary.session;
                Countdown untracked = new Countdown(scheduler, others.size(), () -> session.revert(snapshotId,
                        deadline("revert on " + primary.nodeId, reverted -> {
                            if (reverted instanceof Outcome.Ok<Void>) {
                                revertOthers(snapshotId, alsoReverted);
                            } else {
                                failedCall(primary, session, reverted);
                                endRevert(Outcome.castFailure(reverted));
                            }
                        })));
                for (String other : others) {
                    session.untrack(other, deadline("untrack " + other + " on " + primary.nodeId, outcome -> {
                        failedCall(primary, session, outcome);
                        untracked.one();
                    }));
                }
            }, (Completion<Void>) givenUp -> endRevert(givenUp));
        });
    }

    /** The primary reverted: the other holders that were in sync revert too and are recorded in sync again. */
    private void revertOthers(String snapshotId, List<Replica> alsoReverted) {
        if (phase != Phase.SERVING) {
            endRevert(phaseFailure());
            return;
        }
        List<Replica> reverted = new ArrayList<>();
        Countdown countdown = new Countdown(scheduler, alsoReverted.size(), () -> {
            List<Replica> back = reverted.stream().filter(replica -> replica.session != null && replicas.get(replica.nodeId) == replica)
                    .toList();
            if (back.isEmpty() || phase != Phase.SERVING) {
                endRevert(phase == Phase.SERVING ? Outcome.done() : phaseFailure());
                return;
            }
            updateRecord("record " + names(back) + " in sync after the revert",
                    current -> moved(current, back, ReplicaState.OUT_OF_SYNC, ReplicaState.IN_SYNC), committed -> {
                for (Replica replica : back) {
                    if (committed.state(replica.nodeId) == ReplicaState.IN_SYNC && replica.session != null) {
                        replica.state = ReplicaState.IN_SYNC;
                        listener.on(new ReplicationEvent.ReplicaStateChanged(volumeId, replica.nodeId, ReplicaState.IN_SYNC, epoch,
                                "reverted with the others"));
                    }
                }
                endRevert(Outcome.done());
            }, (Completion<Void>) givenUp -> endRevert(givenUp));
        });
        for (Replica replica : alsoReverted) {
            ReplicaSession session = replica.session;
            if (session == null) {
                countdown.one();
                continue;
            }
            if (defect == Defect.REVERT_ONLY_PRIMARY) {
                reverted.add(replica);
                countdown.one();
                continue;
            }
            session.revert(snapshotId, deadline("revert on " + replica.nodeId, outcome -> {
                if (outcome instanceof Outcome.Ok<Void>) {
                    reverted.add(replica);
                } else if (replica.session == session) {
                    replica.session = null; // copied in full later
                    session.close();
                }
                countdown.one();
            }));
        }
    }

    /** Ends the revert with {@code outcome} (once; also when the target stops while it waits) and resumes. */
    private void endRevert(Outcome<Void> outcome) {
        Completion<Void> done = revertDone;
        if (done == null) {
            return;
        }
        revertDone = null;
        reverting = false;
        scheduler.execute(() -> done.complete(outcome));
        if (phase != Phase.SERVING) {
            return;
        }
        unpause(PAUSE_REVERT);
        restartResyncs();
    }

    /** Starts the resync of every replica not in sync (a growth or a revert stopped them). */
    private void restartResyncs() {
        for (Replica replica : replicas.values()) {
            if (replica.state != ReplicaState.IN_SYNC && !replica.failing) {
                scheduleResync(replica, 0);
            }
        }
    }

    // --- growth ---

    /**
     * Grows the volume to {@code sizeBytes}: holds new writes and flushes, waits for those in flight
     * (and for marking, settling and joins), stops the resyncs, records the size by compare-and-set,
     * grows every replica in sync, carries the target's region sets to the grown geometry and
     * resumes; the resyncs start again and grow their replicas at open. A replica that fails its
     * growth is marked out of sync as after any failed call. Reads go on throughout.
     */
    public void grow(long sizeBytes, Completion<Void> done) {
        Outcome<Void> refusal = null;
        RegionGeometry next = null;
        if (phase != Phase.SERVING) {
            refusal = phaseFailure();
        } else if (growing || snapshotting || reverting) {
            refusal = Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " is " + (growing ? "growing already" : "taking a snapshot")
                    + "; try again when it is done");
        } else if (sizeBytes < geometry.sizeBytes()) {
            refusal = Outcome.failed(ErrorCode.INVALID_ARGUMENT, "volume " + volumeId + " of " + geometry.sizeBytes()
                    + " bytes cannot shrink to " + sizeBytes);
        } else if (sizeBytes == geometry.sizeBytes()) {
            refusal = Outcome.done();
        } else {
            try {
                next = geometry.grown(sizeBytes);
            } catch (IllegalArgumentException e) {
                refusal = Outcome.failed(ErrorCode.INVALID_ARGUMENT, e.getMessage());
            }
        }
        if (refusal != null) {
            Outcome<Void> answer = refusal;
            scheduler.execute(() -> done.complete(answer));
            return;
        }
        RegionGeometry grown = next;
        growing = true;
        growthDone = done;
        pause(PAUSE_GROW);
        for (Replica replica : replicas.values()) {
            replica.retry.cancel();
            if (replica.resync != null) {
                replica.resync.abort("the volume grows"); // its region list is of the old geometry
            }
        }
        whenDrained(() -> updates.isEmpty() && flushes.isEmpty() && !marking && !settling && !joins.busy(), () -> {
            growthSent = true;
            updateRecord("grow to " + sizeBytes + " bytes", current -> current.grown(sizeBytes), committed -> {
                List<Replica> healthy = healthyReplicas();
                Countdown countdown = new Countdown(scheduler, healthy.size(), () -> finishGrowth(grown));
                for (Replica replica : healthy) {
                    ReplicaSession session = replica.session;
                    session.grow(sizeBytes, deadline("grow on " + replica.nodeId, outcome -> {
                        failedCall(replica, session, outcome);
                        countdown.one();
                    }));
                }
            }, (Completion<Void>) givenUp -> endGrowth(givenUp));
        });
    }

    private void finishGrowth(RegionGeometry grown) {
        if (phase != Phase.SERVING) {
            endGrowth(phaseFailure());
            return;
        }
        RegionGeometry before = geometry;
        geometry = grown;
        unsettled = before.carry(unsettled, grown);
        settleable = before.carry(settleable, grown);
        aged = before.carry(aged, grown);
        for (Replica replica : replicas.values()) {
            if (replica.tracked != null) {
                replica.tracked = before.carry(replica.tracked, grown);
            }
        }
        listener.on(new ReplicationEvent.Grown(volumeId, epoch, grown.sizeBytes()));
        endGrowth(Outcome.done());
    }

    /** Ends the growth with {@code outcome} (once; also when the target stops while it waits) and resumes. */
    private void endGrowth(Outcome<Void> outcome) {
        Completion<Void> done = growthDone;
        if (done == null) {
            return;
        }
        growthDone = null;
        growing = false;
        growthSent = false;
        scheduler.execute(() -> done.complete(outcome));
        if (phase != Phase.SERVING) {
            return;
        }
        if (markDeferred) {
            markDeferred = false;
            markRound();
        }
        unpause(PAUSE_GROW);
        restartResyncs();
    }

    // --- writes ---

    private void submitUpdate(long offset, long length, ByteBuffer data, boolean fua, long maxLength, Completion<Void> done) {
        String invalid = checkRange(offset, length, maxLength);
        ClientOp.Update op = new ClientOp.Update(offset, length, data, fua, done);
        pending.add(op);
        if (invalid != null || length == 0) {
            answer(op, invalid != null ? Outcome.failed(ErrorCode.INVALID_ARGUMENT, invalid) : Outcome.done());
            return;
        }
        if (!admitWrite(op)) {
            return;
        }
        op.lock = locks.acquire(offset, offset + length, () -> whenUnpaused(() -> sendUpdate(op)));
    }

    private boolean admitWrite(ClientOp<Void> op) {
        if (phase != Phase.SERVING) {
            answer(op, phaseFailure());
            return false;
        }
        if (pendingWrites >= config.maxPendingOps()) {
            answer(op, Outcome.failed(ErrorCode.UNAVAILABLE, "more than " + config.maxPendingOps()
                    + " writes and flushes are pending on " + volumeId + "; retry later"));
            return false;
        }
        pendingWrites++;
        return true;
    }

    private void sendUpdate(ClientOp.Update op) {
        if (phase != Phase.SERVING || op.answered) {
            finishUpdate(op);
            return;
        }
        op.sent = true;
        op.firstRegion = geometry.regionOf(op.offset);
        op.lastRegion = geometry.lastRegion(op.offset, op.length);
        updates.add(op);
        unsettled.addRange(op.firstRegion, op.lastRegion);
        settleable.removeRange(op.firstRegion, op.lastRegion);
        aged.removeRange(op.firstRegion, op.lastRegion);
        for (ClientOp.Flush flush : flushes) {
            flush.writtenSince.addRange(op.firstRegion, op.lastRegion);
        }
        for (Replica replica : replicas.values()) {
            if ((replica.state != ReplicaState.IN_SYNC || replica.failing) && replica.tracked != null) {
                replica.tracked.addRange(op.firstRegion, op.lastRegion); // the replicas in sync track these for it
            }
        }
        ByteBuffer ownCopy = null; // made for the first replica being resynced, shared by the others
        for (Replica replica : replicas.values()) {
            if (!replica.healthy() && !replica.syncing()) {
                continue;
            }
            ReplicaSession session = replica.session;
            op.outstanding.put(replica.nodeId, session);
            if (replica.healthy()) {
                op.awaiting.add(replica.nodeId);
            }
            Completion<Void> answered = deadline((op.data != null ? "write" : "trim") + " to " + replica.nodeId,
                    outcome -> answered(op, replica.nodeId, session, outcome));
            if (op.data != null) {
                // the client's buffer stays unchanged until the acknowledgement, which waits for the replicas in
                // sync; one being resynced may still write after it, so it gets a copy (one for all of them)
                if (!replica.healthy() && ownCopy == null) {
                    ownCopy = ByteBuffer.allocate(op.data.remaining()).put(op.data.duplicate()).flip();
                }
                session.write(op.offset, replica.healthy() ? op.data.duplicate() : ownCopy.duplicate(), op.fua, answered);
            } else {
                session.trim(op.offset, op.length, op.fua, answered);
            }
        }
        Invariants.check(!op.awaiting.isEmpty(), "a write of " + volumeId + " went to no replica in sync");
    }

    /** A replica answered an update or a flush. */
    private void answered(ClientOp.Sent op, String nodeId, ReplicaSession session, Outcome<Void> outcome) {
        if (op.outstanding.get(nodeId) != session) {
            return; // written off: the replica failed or left
        }
        op.outstanding.remove(nodeId);
        switch (outcome) {
            case Outcome.Ok<Void> _ -> op.awaiting.remove(nodeId);
            case Outcome.StaleEpoch<Void> stale -> {
                if (defect == Defect.IGNORE_FENCING) {
                    op.awaiting.remove(nodeId);
                } else {
                    fence("replica " + nodeId + " has seen epoch " + stale.epoch());
                }
            }
            case Outcome.Failed<Void> failed -> replicaFailed(nodeId, session, failed.code() + ": " + failed.message());
        }
        progress(op);
    }

    private void progress(ClientOp.Sent op) {
        switch (op) {
            case ClientOp.Update update -> progress(update);
            case ClientOp.Flush flush -> progress(flush);
        }
    }

    private void progress(ClientOp.Update op) {
        if (!op.answered && phase == Phase.SERVING && op.awaiting.isEmpty() && marked(op.needsMark)) {
            answer(op, Outcome.done());
        }
        if (op.answered && op.outstanding.isEmpty()) {
            finishUpdate(op);
        }
    }

    private void finishUpdate(ClientOp.Update op) {
        if (op.lock == null) {
            return; // finished already
        }
        updates.remove(op);
        locks.release(op.lock);
        op.lock = null;
        pendingWrites--;
        if (!op.answered) {
            answer(op, phaseFailure());
        }
        checkDrained();
    }

    private boolean marked(long generation) {
        return defect == Defect.ACK_BEFORE_MARK || markCommitted >= generation;
    }

    // --- flushes ---

    private void sendFlush(ClientOp.Flush op) {
        if (phase != Phase.SERVING || op.answered) {
            pendingWrites--;
            answer(op, phaseFailure());
            return;
        }
        flushes.add(op);
        op.candidates = unsettled.copy();
        for (ClientOp.Update update : updates) {
            op.candidates.removeRange(update.firstRegion, update.lastRegion);
        }
        op.writtenSince = geometry.emptySet();
        for (Replica replica : healthyReplicas()) {
            ReplicaSession session = replica.session;
            op.outstanding.put(replica.nodeId, session);
            op.awaiting.add(replica.nodeId);
            session.flush(deadline("flush of " + replica.nodeId, outcome -> answered(op, replica.nodeId, session, outcome)));
        }
        Invariants.check(!op.awaiting.isEmpty(), "a flush of " + volumeId + " went to no replica in sync");
    }

    private void progress(ClientOp.Flush op) {
        if (!op.answered && phase == Phase.SERVING && op.awaiting.isEmpty() && marked(op.needsMark)) {
            RegionSet settled = op.candidates.copy();
            settled.removeAll(op.writtenSince);
            settleable.addAll(settled);
            flushesSinceSettle++;
            answer(op, Outcome.done());
            maybeSettle();
        }
        if (op.answered && op.outstanding.isEmpty() && flushes.remove(op)) {
            pendingWrites--;
            checkDrained();
        }
    }

    // --- reads ---

    private void attemptRead(ClientOp.Read op) {
        if (op.answered) {
            return;
        }
        if (phase != Phase.SERVING) {
            answer(op, phaseFailure());
            return;
        }
        Replica replica = readSource();
        if (replica == null || ++op.attempts > replicas.size() + 1) {
            answer(op, Outcome.failed(ErrorCode.UNAVAILABLE, "no replica of " + volumeId + " in sync could serve the read"));
            return;
        }
        ReplicaSession session = replica.session;
        session.read(op.offset, op.length, deadline("read from " + replica.nodeId, outcome -> {
            switch (outcome) {
                case Outcome.Ok<ByteBuffer> ok -> answer(op, ok);
                case Outcome.StaleEpoch<ByteBuffer> stale -> fence("replica " + replica.nodeId + " has seen epoch " + stale.epoch());
                case Outcome.Failed<ByteBuffer> failed -> {
                    replicaFailed(replica.nodeId, session, failed.code() + ": " + failed.message());
                    attemptRead(op);
                }
            }
        }));
    }

    /** The local replica if it is in sync, else the next one in sync, round robin. */
    Replica readSource() {
        Replica local = replicas.get(localNode);
        if (local != null && local.healthy()) {
            return local;
        }
        List<Replica> healthy = healthyReplicas();
        return healthy.isEmpty() ? null : healthy.get(Math.floorMod(readCursor++, healthy.size()));
    }

    // --- replica failure and marking ---

    /**
     * A call to a replica failed (or timed out) on {@code session}. A replica in sync becomes failing:
     * the writes it had not acknowledged are written off for it (their regions become its dirty set),
     * and they and the flushes waiting for it now wait for the next marking round instead.
     */
    void replicaFailed(String nodeId, ReplicaSession session, String reason) {
        Replica replica = replicas.get(nodeId);
        if (replica == null || session == null || replica.session != session) {
            return; // old news: that session was given up already
        }
        replica.session = null;
        session.close();
        if (replica.state == ReplicaState.IN_SYNC && !replica.failing) {
            replica.failing = true;
            replica.tracked = geometry.emptySet();
            long generation = markStarted + 1;
            for (ClientOp.Update op : updates) {
                if (op.awaiting.remove(nodeId)) {
                    replica.tracked.addRange(op.firstRegion, op.lastRegion);
                    op.needsMark = Math.max(op.needsMark, generation);
                }
            }
            for (ClientOp.Flush op : flushes) {
                if (op.awaiting.remove(nodeId)) {
                    op.needsMark = Math.max(op.needsMark, generation);
                }
            }
            if (defect != Defect.ACK_BEFORE_MARK) {
                pause(PAUSE_MARK);
            }
            if (healthyReplicas().isEmpty()) {
                fail("no replica in sync is left (the last, on " + nodeId + ", failed: " + reason + ")");
                return;
            }
            startMarking();
        } else if (replica.resync != null) {
            replica.resync.abort(reason);
        }
        writeOff(nodeId);
        progressAll();
    }

    /** Forgets the answers still expected from a replica that failed or left. */
    private void writeOff(String nodeId) {
        for (ClientOp.Sent op : sent()) {
            op.outstanding.remove(nodeId);
            op.awaiting.remove(nodeId);
        }
    }

    private void progressAll() {
        sent().forEach(this::progress);
    }

    /** The updates, then the flushes, in flight now (a copy: progress may remove them). */
    private List<ClientOp.Sent> sent() {
        List<ClientOp.Sent> all = new ArrayList<>(updates);
        all.addAll(flushes);
        return all;
    }

    private void startMarking() {
        if (!marking) {
            marking = true;
            scheduler.execute(this::markRound);
        }
    }

    /**
     * One marking round: every replica still in sync durably tracks the failing replicas' dirty
     * regions, then one compare-and-set records them OUT_OF_SYNC; then the writes of this round are
     * acknowledged. Failures during the round are marked by the next one.
     */
    private void markRound() {
        if (phase != Phase.SERVING) {
            return;
        }
        if (growthSent) {
            markDeferred = true; // the failing replicas' regions are of the old geometry until the growth ends
            return;
        }
        List<Replica> batch = replicas.values().stream().filter(replica -> replica.failing).toList();
        if (batch.isEmpty()) {
            // nothing (left) to mark: a replica that failed was removed from the record meanwhile, so
            // the writes that waited for its round wait for nothing
            markCommitted = ++markStarted;
            marking = false;
            progressAll();
            unpause(PAUSE_MARK);
            checkDrained(); // a join may wait for the marking to end
            return;
        }
        long generation = ++markStarted;
        List<Replica> healthy = healthyReplicas();
        Countdown tracked = new Countdown(scheduler, healthy.size() * batch.size(), () -> updateRecord("mark " + names(batch) + " out of sync",
                current -> moved(current, batch, ReplicaState.IN_SYNC, ReplicaState.OUT_OF_SYNC), committed -> {
                    for (Replica failed : batch) {
                        failed.failing = false;
                        failed.state = ReplicaState.OUT_OF_SYNC;
                        listener.on(new ReplicationEvent.ReplicaStateChanged(volumeId, failed.nodeId, ReplicaState.OUT_OF_SYNC, epoch,
                                "failed while in sync"));
                        if (replicas.get(failed.nodeId) == failed) {
                            scheduleResync(failed, config.resyncRetryNanos());
                        }
                    }
                    markCommitted = generation;
                    progressAll();
                    markRound();
                }, (Completion<Void>) givenUp -> fail("could not record " + names(batch) + " out of sync: " + describe(givenUp))));
        for (Replica keeper : healthy) {
            ReplicaSession session = keeper.session;
            for (Replica failed : batch) {
                session.track(failed.nodeId, failed.tracked.copy(), deadline("track " + failed.nodeId + " on " + keeper.nodeId,
                        outcome -> {
                            failedCall(keeper, session, outcome);
                            tracked.one();
                        }));
            }
        }
    }

    // --- settling the activity logs ---

    /**
     * Settles regions that stayed idle for a whole round: settleable (written before a flush that
     * succeeded everywhere, not since) at the previous round and still now. Rounds come at most every
     * {@code settleIdleNanos} and after {@code settleEveryFlushes} flushes, and a round settles only
     * what takes the logs past {@code activityLogRegions}: so regions written again and again stay in
     * the activity logs (a hot set, as DRBD's activity log keeps one) instead of costing a metadata
     * save on every write after each settlement.
     */
    private void maybeSettle() {
        if (settling || growing || phase != Phase.SERVING || settleable.isEmpty() || flushesSinceSettle < config.settleEveryFlushes()
                || scheduler.nanoTime() - lastSettleNanos < config.settleIdleNanos()) {
            return;
        }
        flushesSinceSettle = 0;
        lastSettleNanos = scheduler.nanoTime();
        RegionSet idle = settleable.copy();
        if (config.settleIdleNanos() > 0) {
            idle.retainAll(aged);
        }
        keepHotSet(idle, unsettled.size() - config.activityLogRegions());
        aged = settleable.copy(); // idle regions kept in the hot set stay aged: they may settle next round
        aged.removeAll(idle);
        if (idle.isEmpty()) {
            return;
        }
        settling = true;
        pause(PAUSE_SETTLE);
        whenDrained(updates::isEmpty, () -> {
            RegionSet regions = idle.copy();
            regions.retainAll(settleable); // written while the writes in flight drained: not settleable any more
            List<Replica> healthy = healthyReplicas();
            Countdown countdown = new Countdown(scheduler, healthy.size(), () -> {
                unsettled.removeAll(regions);
                settleable.removeAll(regions);
                settling = false;
                unpause(PAUSE_SETTLE);
            });
            for (Replica replica : healthy) {
                ReplicaSession session = replica.session;
                session.settle(regions, deadline("settle on " + replica.nodeId, outcome -> {
                    failedCall(replica, session, outcome);
                    countdown.one();
                }));
            }
        });
    }

    /** Leaves in {@code idle} only its first {@code excess} regions (none when the logs are within the hot set). */
    private static void keepHotSet(RegionSet idle, int excess) {
        int kept = 0;
        for (int region = idle.next(0); region >= 0; region = idle.next(region + 1)) {
            if (kept < excess) {
                kept++;
            } else {
                idle.remove(region);
            }
        }
    }

    // --- resync ---

    void scheduleResync(Replica replica, long delayNanos) {
        replica.retry.cancel();
        replica.retry = scheduler.schedule(delayNanos, () -> {
            if (phase == Phase.SERVING && replicas.get(replica.nodeId) == replica && replica.resync == null
                    && replica.state != ReplicaState.IN_SYNC && !replica.failing && !growing && !reverting) { // they start it again
                replica.resync = new Resync(this, replica);
                replica.resync.start();
            }
        });
    }

    /** The copy of a resync or rebuild is complete: see {@link Joins}. */
    void join(Replica replica, Resync job) {
        joins.join(replica, job);
    }

    // --- region copies (resync, rebuild) ---

    /**
     * Copies one region from a replica in sync to {@code destination}, under the region's lock: the
     * writes in flight on it finish first, new ones wait until the copy is written. A region larger
     * than one frame's payload goes in chunks of {@link #MAX_IO_BYTES}. With {@code compare} (a copy
     * seeded with the volume's snapshots), a chunk the destination holds already is not written, so
     * the copy's current layer keeps only what changed since its newest snapshot, as the others do.
     */
    void copyRegion(int region, Replica destination, ReplicaSession destinationSession, boolean compare, Completion<Void> done) {
        long start = geometry.regionStart(region);
        long end = start + geometry.regionLength(region);
        RangeLocks.Lock[] lock = new RangeLocks.Lock[1];
        RegionGeometry copiedIn = geometry;
        lock[0] = locks.acquire(start, end, () -> copyChunk(start, end, destination, destinationSession, compare, outcome -> {
            locks.release(lock[0]);
            if (outcome instanceof Outcome.Ok<Void>) { // in the destination's activity log now
                unsettled.add(copiedIn == geometry ? region : geometry.regionOf(copiedIn.regionStart(region)));
            }
            done.complete(outcome);
        }));
    }

    private void copyChunk(long from, long end, Replica destination, ReplicaSession destinationSession, boolean compare,
                           Completion<Void> done) {
        if (from >= end) {
            done.complete(Outcome.done());
            return;
        }
        Replica source = phase == Phase.SERVING ? readSource() : null;
        if (source == null || destination.session != destinationSession) {
            done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, source == null ? "no source in sync" : "destination gone"));
            return;
        }
        int length = (int) Math.min(MAX_IO_BYTES, end - from);
        ReplicaSession sourceSession = source.session;
        sourceSession.read(from, length, deadline("copy read from " + source.nodeId, read -> {
            switch (read) {
                case Outcome.Ok<ByteBuffer>(ByteBuffer data) -> {
                    Completion<Void> next = written -> {
                        if (written instanceof Outcome.Ok<Void>) {
                            copyChunk(from + length, end, destination, destinationSession, compare, done);
                        } else {
                            done.complete(written);
                        }
                    };
                    if (compare) {
                        destinationSession.read(from, length, deadline("compare read from " + destination.nodeId, held -> {
                            switch (held) {
                                case Outcome.Ok<ByteBuffer>(ByteBuffer there) when there.equals(data) ->
                                        next.complete(Outcome.done()); // the destination holds these bytes already
                                case Outcome.Ok<ByteBuffer> _ -> writeCopy(from, data, destinationSession, next);
                                default -> next.complete(Outcome.castFailure(held));
                            }
                        }));
                    } else {
                        writeCopy(from, data, destinationSession, next);
                    }
                }
                case Outcome.StaleEpoch<ByteBuffer> stale -> {
                    fence("replica " + source.nodeId + " has seen epoch " + stale.epoch());
                    done.complete(Outcome.castFailure(stale));
                }
                case Outcome.Failed<ByteBuffer> failed -> {
                    replicaFailed(source.nodeId, sourceSession, failed.message());
                    if (phase == Phase.SERVING) {
                        copyChunk(from, end, destination, destinationSession, compare, done); // from another source
                    } else {
                        done.complete(Outcome.castFailure(failed));
                    }
                }
            }
        }));
    }

    /** Writes copied bytes (a trim when they are all zeros, keeping the destination thin). */
    void writeCopy(long start, ByteBuffer data, ReplicaSession destination, Completion<Void> done) {
        Completion<Void> answered = deadline("copy to " + destination.nodeId(), done);
        if (allZeros(data)) {
            destination.trim(start, data.remaining(), false, answered);
        } else {
            destination.write(start, data, false, answered);
        }
    }

    /** Whether copied bytes are all zeros, so that they go to a copy as a trim (keeping it thin). */
    public static boolean allZeros(ByteBuffer data) {
        for (int i = data.position(); i < data.limit(); i++) {
            if (data.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    // --- the record ---

    /**
     * Changes the record by compare-and-set: {@code change} is applied to the newest record known and
     * re-applied after a conflict as long as the epoch is still this target's; a newer epoch fences
     * it. Calls without an answer are retried (after reading again: the unanswered one may have been
     * committed) up to {@code storeAttempts} times; then the target fails.
     *
     * @param failed completed when the update is given up (fenced or failed); may be null
     */
    void updateRecord(String what, UnaryOperator<ReplicationRecord> change, Consumer<ReplicationRecord> committed,
                      Completion<?> failed) {
        new RecordUpdate(this, what, change, committed, failed).attempt();
    }

    // --- fencing and failure ---

    /** A newer epoch exists: fail everything, now and from now on. */
    void fence(String reason) {
        if (phase != Phase.SERVING && phase != Phase.ATTACHING || defect == Defect.IGNORE_FENCING) {
            return;
        }
        phase = Phase.FENCED;
        listener.on(new ReplicationEvent.Fenced(volumeId, epoch, reason));
        closeEverything(phaseFailure());
    }

    /** This target cannot go on: fail everything. A new attach (anywhere) recovers. */
    void fail(String reason) {
        if (phase != Phase.SERVING && phase != Phase.ATTACHING) {
            return;
        }
        phase = Phase.FAILED;
        listener.on(new ReplicationEvent.Failed(volumeId, epoch, reason));
        closeEverything(phaseFailure());
    }

    @SuppressWarnings("unchecked")
    private void closeEverything(Outcome<?> failure) {
        for (ClientOp<?> op : List.copyOf(pending)) {
            answerFailure(op, failure);
        }
        endGrowth((Outcome<Void>) failure);
        endSnapshot((Outcome<List<String>>) failure);
        endRevert((Outcome<Void>) failure);
        held.clear();
        drainWaiters.clear();
        for (Replica replica : replicas.values()) {
            replica.retry.cancel();
            if (replica.resync != null) {
                replica.resync.abort("target stopped");
            }
            ReplicaSession session = replica.session;
            replica.session = null;
            if (session != null) {
                session.close();
            }
        }
    }

    <T> Outcome<T> phaseFailure() {
        return switch (phase) {
            case FENCED -> Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " was attached elsewhere after epoch "
                    + epoch + "; this target is fenced: reconnect to the current target");
            case FAILED -> Outcome.failed(ErrorCode.UNAVAILABLE, "the target of " + volumeId
                    + " stopped (no replica in sync, or the cluster store unreachable); attach the volume again");
            case DETACHED -> Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " is detached");
            case ATTACHING, SERVING -> Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " is not serving yet");
        };
    }

    // --- plumbing ---

    /** Handles a non-Ok answer of a call on {@code session} of {@code replica}; nothing for Ok. */
    void failedCall(Replica replica, ReplicaSession session, Outcome<?> outcome) {
        switch (outcome) {
            case Outcome.Ok<?> _ -> { }
            case Outcome.StaleEpoch<?> stale -> fence("replica " + replica.nodeId + " has seen epoch " + stale.epoch());
            case Outcome.Failed<?> failed -> replicaFailed(replica.nodeId, session, failed.code() + ": " + failed.message());
        }
    }

    List<Replica> healthyReplicas() {
        return replicas.values().stream().filter(Replica::healthy).toList();
    }

    <T> Completion<T> deadline(String what, Completion<T> done) {
        return Deadline.of(scheduler, config.requestTimeoutNanos(), volumeId + ": " + what, done);
    }

    void pause(int reason) {
        pauses |= reason;
    }

    void unpause(int reason) {
        pauses &= ~reason;
        if (pauses == 0 && !held.isEmpty()) {
            List<Runnable> ready = List.copyOf(held);
            held.clear();
            ready.forEach(Runnable::run);
        }
        checkDrained(); // a growth may wait for the settling, marking or join that held writes
    }

    private void whenUnpaused(Runnable task) {
        if (pauses == 0 || phase != Phase.SERVING) {
            task.run();
        } else {
            held.add(task);
        }
    }

    void whenDrained(BooleanSupplier ready, Runnable then) {
        drainWaiters.add(new DrainWaiter(ready, then));
        checkDrained();
    }

    private void checkDrained() {
        for (DrainWaiter waiter : List.copyOf(drainWaiters)) {
            if (phase == Phase.SERVING && drainWaiters.contains(waiter) && waiter.ready.getAsBoolean()) {
                drainWaiters.remove(waiter);
                scheduler.execute(waiter.then);
            }
        }
    }

    private <T> void answer(ClientOp<T> op, Outcome<T> outcome) {
        if (op.answered) {
            return;
        }
        op.answered = true;
        pending.remove(op);
        scheduler.execute(() -> op.done.complete(outcome));
    }

    @SuppressWarnings("unchecked")
    private <T> void answerFailure(ClientOp<T> op, Outcome<?> failure) {
        answer(op, (Outcome<T>) failure);
    }

    private String checkRange(long offset, long length, long maxLength) {
        if (offset < 0 || length < 0 || length > maxLength || offset > geometry.sizeBytes() - length) {
            return "range [" + offset + ", +" + length + ") is outside volume " + volumeId + " of " + geometry.sizeBytes()
                    + " bytes (or longer than " + maxLength + ")";
        }
        return null;
    }

    static String describe(Outcome<?> outcome) {
        return switch (outcome) {
            case Outcome.Ok<?> _ -> "ok";
            case Outcome.StaleEpoch<?> stale -> "stale epoch (replica at " + stale.epoch() + ")";
            case Outcome.Failed<?> failed -> failed.code() + ": " + failed.message();
        };
    }

    /** {@code current} with each replica of {@code batch} that the record has {@code from} changed to {@code to}. */
    static ReplicationRecord moved(ReplicationRecord current, List<Replica> batch, ReplicaState from, ReplicaState to) {
        ReplicationRecord next = current;
        for (Replica replica : batch) {
            if (next.state(replica.nodeId) == from) {
                next = next.withState(replica.nodeId, to);
            }
        }
        return next;
    }

    static String names(List<Replica> list) {
        return list.stream().map(replica -> replica.nodeId).toList().toString();
    }

    // --- called by Takeover when the volume starts serving ---

    void startServing(RegionGeometry volumeGeometry) {
        this.geometry = volumeGeometry;
        this.unsettled = volumeGeometry.emptySet();
        this.settleable = volumeGeometry.emptySet();
        this.aged = volumeGeometry.emptySet();
        this.lastSettleNanos = scheduler.nanoTime();
        phase = Phase.SERVING;
        for (Replica replica : replicas.values()) {
            if (replica.state != ReplicaState.IN_SYNC) {
                scheduleResync(replica, 0);
            }
        }
    }

    void inject(Defect injected) {
        this.defect = injected;
    }

}
