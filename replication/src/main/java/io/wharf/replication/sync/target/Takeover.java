package io.wharf.replication.sync.target;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Versioned;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Attaching a volume: the steps before a target serves, in order.
 * <ol>
 *   <li>Raise the epoch and name this node the target, by compare-and-set on the record.</li>
 *   <li>Open every replica in sync at the new epoch: each makes it durable and refuses every older
 *       epoch from then on, so an old target (crashed, partitioned, or alive) can no longer get a
 *       write acknowledged. Replicas that do not answer are "unreachable".</li>
 *   <li>Read the activity log of each reachable replica in sync and its dirty maps of the others.
 *       The union of the activity logs is every region where the replicas in sync may differ
 *       (writes in flight when the old target stopped).</li>
 *   <li>Unreachable replicas in sync: the reachable ones track that union for them (durably), then
 *       one compare-and-set records them OUT_OF_SYNC (and any RESYNCING replica OUT_OF_SYNC: its resync
 *       restarts).</li>
 *   <li>Reconcile: copy each region of the union from one reachable replica in sync (the local one
 *       if any) to the others, flush them all, settle the union from their activity logs.</li>
 *   <li>Serve; resyncs of the replicas not in sync start.</li>
 * </ol>
 * Any failure after step 1 gives the attach up (the epoch stays raised, which is harmless); the
 * caller attaches again.
 */
final class Takeover {
    private static final int CAS_ATTEMPTS = 8;

    private final ReplicatedVolume volume;
    private final Completion<ReplicatedVolume> done;
    private final Map<String, ReplicaSession> sessions = new LinkedHashMap<>();
    private final List<String> unreachable = new ArrayList<>();
    private final List<String[]> staleTracks = new ArrayList<>();
    private RegionSet reconcile;
    private int casAttempts;
    private boolean finished;

    Takeover(ReplicatedVolume volume, Completion<ReplicatedVolume> done) {
        this.volume = volume;
        this.done = done;
    }

    void start() {
        volume.store.read(volume.volumeId, volume.deadline("store: read", read -> {
            switch (read) {
                case Outcome.Ok<Versioned<ReplicationRecord>>(Versioned<ReplicationRecord> current) -> raiseEpoch(current);
                default -> giveUp("reading the record failed: " + ReplicatedVolume.describe(read));
            }
        }));
    }

    private void raiseEpoch(Versioned<ReplicationRecord> current) {
        ReplicationRecord next = current.value().attached(current.value().epoch() + 1, volume.localNode);
        volume.store.compareAndSet(volume.volumeId, current.revision(), next, volume.deadline("store: raise epoch", answer -> {
            switch (answer) {
                case Outcome.Ok<CasResult>(CasResult.Committed(long revision)) -> {
                    volume.epoch = next.epoch();
                    volume.record = new Versioned<>(next, revision);
                    volume.geometry = RegionGeometry.of(next.sizeBytes(), volume.config.regionBytes());
                    for (ReplicaEntry entry : next.replicas()) {
                        volume.replicas.put(entry.nodeId(), new Replica(entry.nodeId(), entry.state()));
                    }
                    openInSync(next);
                }
                case Outcome.Ok<CasResult>(CasResult.Conflict(Versioned<ReplicationRecord> newer)) -> {
                    if (++casAttempts >= CAS_ATTEMPTS) {
                        giveUp("the record kept changing");
                    } else {
                        raiseEpoch(newer);
                    }
                }
                default -> giveUp("raising the epoch got no answer (" + ReplicatedVolume.describe(answer)
                        + "); it may have been raised: attach again");
            }
        }));
    }

    private void openInSync(ReplicationRecord current) {
        List<String> inSync = current.inSync();
        boolean[] stale = new boolean[1];
        Map<String, ReplicaSession> opened = new LinkedHashMap<>();
        Countdown countdown = new Countdown(volume.scheduler, inSync.size(), () -> {
            for (String node : inSync) { // record order, whatever order the answers came in
                if (opened.containsKey(node)) {
                    sessions.put(node, opened.get(node));
                }
            }
            if (stale[0]) {
                giveUp("a newer attach fenced this one");
            } else if (sessions.isEmpty()) {
                giveUp("no replica in sync is reachable (" + inSync + ")");
            } else {
                gather(current);
            }
        });
        for (String node : inSync) {
            // The first attach creates the replicas' empty copies: a volume never attached was never written, so
            // fresh empty copies are in sync. Later attaches never create (a copy that vanished must be rebuilt).
            volume.endpoints.apply(node).open(volume.volumeId, volume.epoch, current.sizeBytes(), current.epoch() == 1,
                    volume.deadline("open " + node, answer -> {
                        switch (answer) {
                            case Outcome.Ok<ReplicaSession>(ReplicaSession session) -> {
                                if (finished) {
                                    session.close();
                                } else {
                                    opened.put(node, session);
                                }
                            }
                            case Outcome.StaleEpoch<ReplicaSession> _ -> stale[0] = true;
                            case Outcome.Failed<ReplicaSession> _ -> unreachable.add(node);
                        }
                        countdown.one();
                    }));
        }
    }

    /** Reads every activity log and dirty map the reachable replicas in sync hold. */
    private void gather(ReplicationRecord current) {
        reconcile = volume.geometry.emptySet();
        Map<String, RegionSet> dirty = new LinkedHashMap<>();
        Map<String, Boolean> complete = new LinkedHashMap<>();
        for (ReplicaEntry entry : current.replicas()) {
            if (entry.state() != ReplicaState.IN_SYNC) {
                dirty.put(entry.nodeId(), volume.geometry.emptySet());
                complete.put(entry.nodeId(), entry.state() != ReplicaState.REBUILDING);
            }
        }
        int calls = sessions.size() * current.replicas().size();
        Countdown countdown = new Countdown(volume.scheduler, calls, () -> {
            if (finished) {
                return;
            }
            for (Map.Entry<String, RegionSet> entry : dirty.entrySet()) {
                volume.replicas.get(entry.getKey()).tracked = complete.get(entry.getKey()) ? entry.getValue() : null;
            }
            for (String node : unreachable) {
                volume.replicas.get(node).tracked = reconcile.copy();
            }
            trackUnreachable();
        });
        for (Map.Entry<String, ReplicaSession> keeper : sessions.entrySet()) {
            ReplicaSession session = keeper.getValue();
            for (ReplicaEntry entry : current.replicas()) {
                String peer = entry.nodeId();
                boolean own = peer.equals(keeper.getKey());
                session.regions(own ? RegionLog.ACTIVITY : RegionLog.DIRTY, own ? null : peer,
                        volume.deadline((own ? "activity log of " : "dirty map of " + peer + " on ") + keeper.getKey(), answer -> {
                            if (!(answer instanceof Outcome.Ok<Optional<RegionSet>>(Optional<RegionSet> set))) {
                                giveUp("reading region sets failed: " + ReplicatedVolume.describe(answer));
                            } else if (own) {
                                reconcile.addAll(set.orElseThrow());
                            } else if (dirty.containsKey(peer)) {
                                set.ifPresentOrElse(dirty.get(peer)::addAll, () -> complete.put(peer, false));
                            } else if (set.isPresent()) {
                                staleTracks.add(new String[] {keeper.getKey(), peer}); // tracks a replica in sync: drop it later
                            }
                            countdown.one();
                        }));
            }
        }
    }

    private void trackUnreachable() {
        Countdown countdown = new Countdown(volume.scheduler, sessions.size() * unreachable.size(), this::recordStates);
        for (Map.Entry<String, ReplicaSession> keeper : sessions.entrySet()) {
            for (String node : unreachable) {
                keeper.getValue().track(node, reconcile.copy(), volume.deadline("track " + node + " on " + keeper.getKey(), answer -> {
                    if (!(answer instanceof Outcome.Ok<Void>)) {
                        giveUp("tracking " + node + " failed: " + ReplicatedVolume.describe(answer));
                    }
                    countdown.one();
                }));
            }
        }
    }

    private void recordStates() {
        if (finished) {
            return;
        }
        volume.updateRecord("takeover at epoch " + volume.epoch, current -> {
            ReplicationRecord next = current;
            for (ReplicaEntry entry : current.replicas()) {
                boolean lost = unreachable.contains(entry.nodeId()) && entry.state() == ReplicaState.IN_SYNC;
                if (lost || entry.state() == ReplicaState.RESYNCING) {
                    next = next.withState(entry.nodeId(), ReplicaState.OUT_OF_SYNC);
                }
            }
            return next;
        }, committed -> {
            for (ReplicaEntry entry : committed.replicas()) {
                Replica replica = volume.replicas.get(entry.nodeId());
                if (replica != null && replica.state != entry.state()) {
                    replica.state = entry.state();
                    volume.listener.on(new ReplicationEvent.ReplicaStateChanged(volume.volumeId, entry.nodeId(), entry.state(),
                            volume.epoch, unreachable.contains(entry.nodeId()) ? "unreachable at takeover" : "resync restarts"));
                }
            }
            reconcileFrom(sourceNode(), reconcile.next(0));
        }, (Completion<Void>) failed -> giveUp("recording the takeover failed: " + ReplicatedVolume.describe(failed)));
    }

    private String sourceNode() {
        return sessions.containsKey(volume.localNode) ? volume.localNode : sessions.keySet().iterator().next();
    }

    /** Copies region {@code region} and every later one of the union from the source to the others. */
    private void reconcileFrom(String source, int region) {
        if (finished) {
            return;
        }
        List<ReplicaSession> others = sessions.entrySet().stream().filter(entry -> !entry.getKey().equals(source))
                .map(Map.Entry::getValue).toList();
        if (region < 0 || others.isEmpty()) {
            flushAll();
            return;
        }
        long start = volume.geometry.regionStart(region);
        reconcileChunk(source, others, start, start + volume.geometry.regionLength(region),
                () -> reconcileFrom(source, reconcile.next(region + 1)));
    }

    /** Copies {@code [from, end)} in chunks of at most one frame's payload, then runs {@code next}. */
    private void reconcileChunk(String source, List<ReplicaSession> others, long from, long end, Runnable next) {
        if (from >= end) {
            next.run();
            return;
        }
        int length = (int) Math.min(ReplicatedVolume.MAX_IO_BYTES, end - from);
        sessions.get(source).read(from, length, volume.deadline("reconcile read", read -> {
            if (!(read instanceof Outcome.Ok<ByteBuffer>(ByteBuffer data))) {
                giveUp("reconcile read from " + source + " failed: " + ReplicatedVolume.describe(read));
                return;
            }
            Countdown countdown = new Countdown(volume.scheduler, others.size(),
                    () -> reconcileChunk(source, others, from + length, end, next));
            for (ReplicaSession other : others) {
                volume.writeCopy(from, data.duplicate(), other, written -> {
                    if (!(written instanceof Outcome.Ok<Void>)) {
                        giveUp("reconcile write to " + other.nodeId() + " failed: " + ReplicatedVolume.describe(written));
                    }
                    countdown.one();
                });
            }
        }));
    }

    private void flushAll() {
        Countdown countdown = new Countdown(volume.scheduler, sessions.size(), this::settleAll);
        for (ReplicaSession session : sessions.values()) {
            session.flush(volume.deadline("flush of " + session.nodeId(), answer -> {
                if (!(answer instanceof Outcome.Ok<Void>)) {
                    giveUp("flush of " + session.nodeId() + " failed: " + ReplicatedVolume.describe(answer));
                }
                countdown.one();
            }));
        }
    }

    private void settleAll() {
        if (finished) {
            return;
        }
        Countdown countdown = new Countdown(volume.scheduler, sessions.size(), this::serve);
        for (ReplicaSession session : sessions.values()) {
            session.settle(reconcile.copy(), volume.deadline("settle on " + session.nodeId(), answer -> {
                if (!(answer instanceof Outcome.Ok<Void>)) {
                    giveUp("settling on " + session.nodeId() + " failed: " + ReplicatedVolume.describe(answer));
                }
                countdown.one();
            }));
        }
    }

    private void serve() {
        if (finished) {
            return;
        }
        finished = true;
        sessions.forEach((node, session) -> volume.replicas.get(node).session = session);
        for (String[] pair : staleTracks) {
            ReplicaSession session = sessions.get(pair[0]);
            session.untrack(pair[1], volume.deadline("untrack " + pair[1], answer ->
                    volume.failedCall(volume.replicas.get(pair[0]), session, answer)));
        }
        volume.startServing(volume.geometry);
        volume.listener.on(new ReplicationEvent.Attached(volume.volumeId, volume.localNode, volume.epoch, reconcile.size()));
        done.complete(Outcome.ok(volume));
    }

    private void giveUp(String reason) {
        if (finished) {
            return;
        }
        finished = true;
        sessions.values().forEach(ReplicaSession::close);
        if (volume.phase == ReplicatedVolume.Phase.ATTACHING) {
            volume.phase = ReplicatedVolume.Phase.FAILED;
        }
        volume.listener.on(new ReplicationEvent.AttachFailed(volume.volumeId, volume.localNode, volume.epoch, reason));
        done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "attaching " + volume.volumeId + " on " + volume.localNode
                + " failed: " + reason));
    }
}
