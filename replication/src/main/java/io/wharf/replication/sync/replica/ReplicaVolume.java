package io.wharf.replication.sync.replica;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Invariants;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.Scheduler;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replica side of synchronous replication for one volume on one node: fencing by epoch,
 * sessions, the activity log and the dirty maps of out-of-sync peers, over the node's local
 * {@link BlockStore}. Pure logic: calls and completions run on its {@link Scheduler}.
 *
 * <p><b>Invariants</b>
 * <ul>
 *   <li>Epochs: a request whose epoch is below the highest epoch this replica has seen is refused
 *       ({@link Outcome.StaleEpoch}); an open answers only once its epoch is durable, so after a
 *       crash the replica still refuses everything older than what it told any target.</li>
 *   <li>Sessions: each open supersedes every earlier session of the volume (also of the same
 *       epoch: the same target reopening after it gave a session up). Before it answers, the
 *       storage calls of earlier sessions have finished, and their requests still waiting are refused,
 *       so nothing an earlier session sent can land after the new session's first request.</li>
 *   <li>Write-ahead metadata: before the data of a write or trim goes to storage, its regions are
 *       durable in the activity log and in the dirty map of every peer tracked. So whatever a crash
 *       leaves of the write, the regions it may have changed are on record.</li>
 *   <li>A failed metadata save stops the replica: every later call fails.</li>
 *   <li>Growth: the copy grows first, then the region sets are carried to the larger geometry and
 *       saved; only then is the growth answered, and only then is a range past the old size taken. So
 *       the copy is never smaller than the metadata says, and after a crash in between the metadata
 *       (which records its size) still describes the regions it means.</li>
 * </ul>
 */
public final class ReplicaVolume {
    private final String nodeId;
    private final String volumeId;
    private RegionGeometry geometry;
    private final BlockStore store;
    private final ReplicaStateStore stateStore;
    private final Scheduler scheduler;
    private final ReplicationListener listener;

    private RegionSet activity;
    private final Map<String, RegionSet> tracked = new TreeMap<>();
    private long promisedEpoch;
    private long savedEpoch;
    private long currentSession;
    private long lastSession;
    private boolean broken;

    // metadata saves: version counts in-memory changes; a save writes everything up to the version it started at
    private long version;
    private long savedVersion;
    private long savingVersion;
    private boolean saving;
    private RegionSet unsavedRegions;
    private RegionSet savingRegions;
    private final List<SaveWaiter> saveWaiters = new ArrayList<>();

    // storage calls in progress, and opens waiting for them to finish
    private int storageCalls;
    private final ArrayDeque<Runnable> drainWaiters = new ArrayDeque<>();

    private record SaveWaiter(long version, Runnable then, Completion<?> onFailure) {}

    /**
     * @param geometry the geometry of {@code persisted} ({@link ReplicaMetadata#geometry}); the store
     *                 may be larger (it grew, and the metadata cut for its new size was not saved yet)
     */
    public ReplicaVolume(String nodeId, String volumeId, RegionGeometry geometry, ReplicaMetadata persisted, BlockStore store,
                         ReplicaStateStore stateStore, Scheduler scheduler, ReplicationListener listener) {
        Invariants.check(persisted.activity().regionCount() == geometry.regionCount() && persisted.sizeBytes() == geometry.sizeBytes(),
                "metadata of " + volumeId + " has " + persisted.activity().regionCount() + " regions of a volume of "
                        + persisted.sizeBytes() + " bytes, geometry " + geometry);
        Invariants.check(store.sizeBytes() >= geometry.sizeBytes(), "volume " + volumeId + " is smaller than its metadata says");
        this.nodeId = nodeId;
        this.volumeId = volumeId;
        this.geometry = geometry;
        this.store = store;
        this.stateStore = stateStore;
        this.scheduler = scheduler;
        this.listener = listener;
        this.activity = persisted.activity().copy();
        persisted.tracked().forEach((peer, set) -> tracked.put(peer, set.copy()));
        this.promisedEpoch = persisted.epoch();
        this.savedEpoch = persisted.epoch();
        this.unsavedRegions = geometry.emptySet();
        this.savingRegions = geometry.emptySet();
    }

    public String volumeId() {
        return volumeId;
    }

    public RegionGeometry geometry() {
        return geometry;
    }

    /** The highest epoch this replica has accepted (possibly not yet durable). */
    public long epoch() {
        return promisedEpoch;
    }

    /** The highest epoch that is durable: what a restart would come back with. */
    public long savedEpoch() {
        return savedEpoch;
    }

    /** The session requests must name; 0 before the first open. */
    public long currentSession() {
        return currentSession;
    }

    /** A copy of the metadata as it is in memory now (tests, diagnostics). */
    public ReplicaMetadata metadata() {
        return new ReplicaMetadata(geometry.sizeBytes(), promisedEpoch, activity, tracked);
    }

    // --- open: fencing and sessions ---

    /**
     * Opens a session at {@code epoch}: see {@link io.wharf.replication.sync.ReplicaEndpoint#open}. A
     * replica smaller than {@code sizeBytes} (the volume grew while it was away) grows first.
     */
    public void open(long epoch, long sizeBytes, Completion<Long> done) {
        if (broken) {
            scheduler.execute(() -> done.complete(brokenOutcome()));
            return;
        }
        if (epoch < promisedEpoch) {
            long seen = promisedEpoch;
            scheduler.execute(() -> done.complete(new Outcome.StaleEpoch<>(seen)));
            return;
        }
        boolean newEpoch = epoch > promisedEpoch;
        promisedEpoch = epoch;
        long session = ++lastSession;
        currentSession = session; // from here on, requests of earlier sessions are refused
        whenDrained(() -> {
            if (newEpoch) {
                version++;
            }
            waitSaved(version, () -> {
                if (currentSession != session) {
                    done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "open of " + volumeId + " on " + nodeId
                            + " was superseded by a newer open"));
                    return;
                }
                if (newEpoch) {
                    listener.on(new ReplicationEvent.EpochAccepted(volumeId, nodeId, epoch));
                }
                growTo(sizeBytes, grown -> {
                    if (!(grown instanceof Outcome.Ok<Void>)) {
                        done.complete(Outcome.castFailure(grown));
                    } else if (currentSession != session) {
                        done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "open of " + volumeId + " on " + nodeId
                                + " was superseded by a newer open"));
                    } else {
                        done.complete(Outcome.ok(session));
                    }
                });
            }, done);
        });
    }

    // --- snapshots ---

    /** Snapshots the copy under {@code snapshotId} once the storage calls running now have finished. */
    public void snapshot(long session, long epoch, String snapshotId, Completion<Void> done) {
        afterStorageCalls(session, epoch, done, call -> store.snapshot(snapshotId, call));
    }

    /**
     * Reverts the copy to snapshot {@code snapshotId} once the storage calls running now have finished.
     * The logs need no change: the target has every other replica out of sync (to be copied in full, or
     * reverted too) before it asks.
     */
    public void revert(long session, long epoch, String snapshotId, Completion<Void> done) {
        afterStorageCalls(session, epoch, done, call -> store.revert(snapshotId, call));
    }

    private void afterStorageCalls(long session, long epoch, Completion<Void> done, StorageCall storageCall) {
        Outcome<Void> refusal = refusal(session, epoch, 0, 0);
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        whenDrained(() -> {
            Outcome<Void> late = refusal(session, epoch, 0, 0);
            if (late != null) {
                done.complete(late);
                return;
            }
            storageCalls++;
            storageCall.start(outcome -> {
                storageCallDone();
                done.complete(outcome);
            });
        });
    }

    // --- growth ---

    /** Grows the volume to {@code sizeBytes} (nothing when it is that large already); answered once durable. */
    public void grow(long session, long epoch, long sizeBytes, Completion<Void> done) {
        Outcome<Void> refusal = refusal(session, epoch, 0, 0);
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        growTo(sizeBytes, done);
    }

    /**
     * The copy grows first; then, on the scheduler, every region set is carried to the grown geometry
     * and saved. Writes, trims and metadata saves may run meanwhile: they are within the old size,
     * and their sets are carried with the others. Growths may overlap: each carries to the largest
     * size reached so far.
     */
    private void growTo(long sizeBytes, Completion<Void> done) {
        if (sizeBytes <= geometry.sizeBytes()) {
            scheduler.execute(() -> done.complete(Outcome.done()));
            return;
        }
        try {
            geometry.grown(sizeBytes);
        } catch (IllegalArgumentException e) {
            scheduler.execute(() -> done.complete(Outcome.failed(ErrorCode.INVALID_ARGUMENT, "volume " + volumeId
                    + " cannot grow to " + sizeBytes + " bytes: " + e.getMessage())));
            return;
        }
        storageCalls++;
        store.grow(sizeBytes, outcome -> {
            storageCallDone();
            if (broken) {
                done.complete(brokenOutcome());
                return;
            }
            if (!(outcome instanceof Outcome.Ok<Void>)) {
                done.complete(outcome);
                return;
            }
            if (sizeBytes > geometry.sizeBytes()) {
                carryTo(geometry.grown(sizeBytes));
            }
            waitSaved(version, () -> done.complete(Outcome.done()), done);
        });
    }

    private void carryTo(RegionGeometry larger) {
        RegionGeometry before = geometry;
        activity = before.carry(activity, larger);
        tracked.replaceAll((peer, set) -> before.carry(set, larger));
        unsavedRegions = before.carry(unsavedRegions, larger);
        savingRegions = before.carry(savingRegions, larger);
        // a set saved before holds old regions: a write into part of a larger region it did not hold
        // waits for the save of the carried sets, as for a region new to them
        unsavedRegions.addAll(activity);
        tracked.values().forEach(unsavedRegions::addAll);
        geometry = larger;
        version++;
        listener.on(new ReplicationEvent.ReplicaGrown(volumeId, nodeId, larger.sizeBytes()));
    }

    // --- data ---

    public void read(long session, long epoch, long offset, int length, Completion<ByteBuffer> done) {
        Outcome<ByteBuffer> refusal = refusal(session, epoch, offset, length);
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        storageCalls++;
        store.read(offset, length, outcome -> {
            storageCallDone();
            done.complete(outcome);
        });
    }

    public void write(long session, long epoch, long offset, ByteBuffer data, boolean fua, Completion<Void> done) {
        update(session, epoch, offset, data.remaining(), fua, done, call -> store.write(offset, data, call));
    }

    public void trim(long session, long epoch, long offset, long length, boolean fua, Completion<Void> done) {
        update(session, epoch, offset, length, fua, done, call -> store.trim(offset, length, call));
    }

    public void flush(long session, long epoch, Completion<Void> done) {
        Outcome<Void> refusal = refusal(session, epoch, 0, 0);
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        storageCalls++;
        store.flush(outcome -> {
            storageCallDone();
            done.complete(outcome);
        });
    }

    private interface StorageCall {
        void start(Completion<Void> call);
    }

    /** A write or trim: regions on record (durably) first, then the data. */
    private void update(long session, long epoch, long offset, long length, boolean fua, Completion<Void> done, StorageCall call) {
        Outcome<Void> refusal = refusal(session, epoch, offset, length);
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        int first = geometry.regionOf(offset);
        int last = geometry.lastRegion(offset, length);
        Runnable apply = () -> {
            Outcome<Void> late = refusal(session, epoch, offset, length); // superseded or fenced while waiting
            if (late != null) {
                done.complete(late);
                return;
            }
            storageCalls++;
            call.start(outcome -> {
                if (fua && outcome instanceof Outcome.Ok<Void>) {
                    store.flush(flushed -> {
                        storageCallDone();
                        done.complete(flushed);
                    });
                    return;
                }
                storageCallDone();
                done.complete(outcome);
            });
        };
        boolean changed = record(first, last);
        if (changed || unsavedRegions.intersects(first, last)) {
            waitSaved(version, apply, done);
        } else if (saving && savingRegions.intersects(first, last)) {
            waitSaved(savingVersion, apply, done);
        } else {
            scheduler.execute(apply);
        }
    }

    /** Adds the regions to the activity log and every dirty map; true if that changed anything. */
    private boolean record(int first, int last) {
        boolean changed = addRegions(activity, first, last);
        for (RegionSet map : tracked.values()) {
            changed |= addRegions(map, first, last);
        }
        if (changed) {
            version++;
        }
        return changed;
    }

    private boolean addRegions(RegionSet set, int first, int last) {
        if (set.containsRange(first, last)) {
            return false;
        }
        for (int region = first; region <= last; region++) {
            if (!set.contains(region)) {
                set.add(region);
                unsavedRegions.add(region);
            }
        }
        return true;
    }

    // --- region sets ---

    public void regions(long session, long epoch, RegionLog log, String peer, Completion<Optional<RegionSet>> done) {
        Outcome<Optional<RegionSet>> refusal = refusal(session, epoch, 0, 0);
        Outcome<Optional<RegionSet>> answer = refusal != null ? refusal : Outcome.ok(switch (log) {
            case ACTIVITY -> Optional.of(activity.copy());
            case DIRTY -> Optional.ofNullable(tracked.get(peer)).map(RegionSet::copy);
        });
        scheduler.execute(() -> done.complete(answer));
    }

    public void track(long session, long epoch, String peer, RegionSet regions, Completion<Void> done) {
        Outcome<Void> refusal = refusal(session, epoch, 0, 0);
        if (refusal != null || regions.regionCount() != geometry.regionCount()) {
            Outcome<Void> answer = refusal != null ? refusal
                    : Outcome.failed(ErrorCode.INVALID_ARGUMENT, "region set of " + regions.regionCount() + " regions");
            scheduler.execute(() -> done.complete(answer));
            return;
        }
        RegionSet map = tracked.computeIfAbsent(peer, _ -> geometry.emptySet());
        map.addAll(regions);
        unsavedRegions.addAll(regions);
        version++;
        waitSaved(version, () -> done.complete(Outcome.done()), done);
    }

    public void untrack(long session, long epoch, String peer, Completion<Void> done) {
        Outcome<Void> refusal = refusal(session, epoch, 0, 0);
        if (refusal != null) {
            scheduler.execute(() -> done.complete(refusal));
            return;
        }
        if (tracked.remove(peer) != null) {
            version++;
        }
        waitSaved(version, () -> done.complete(Outcome.done()), done);
    }

    /** Removal from the activity log need not be durable before anything: a larger log is only more work. */
    public void settle(long session, long epoch, RegionSet regions, Completion<Void> done) {
        Outcome<Void> refusal = refusal(session, epoch, 0, 0);
        if (refusal == null && regions.regionCount() == geometry.regionCount()) {
            activity.removeAll(regions);
            version++;
            requestSave();
        }
        Outcome<Void> answer = refusal != null ? refusal : regions.regionCount() == geometry.regionCount() ? Outcome.done()
                : Outcome.failed(ErrorCode.INVALID_ARGUMENT, "region set of " + regions.regionCount() + " regions");
        scheduler.execute(() -> done.complete(answer));
    }

    // --- checks ---

    private <T> Outcome<T> refusal(long session, long epoch, long offset, long length) {
        if (broken) {
            return brokenOutcome();
        }
        if (epoch < promisedEpoch) {
            return new Outcome.StaleEpoch<>(promisedEpoch);
        }
        if (session != currentSession || epoch != promisedEpoch) {
            return Outcome.failed(ErrorCode.UNAVAILABLE, "session " + session + " of " + volumeId + " on " + nodeId
                    + " is not the current one");
        }
        if (offset < 0 || length < 0 || offset > geometry.sizeBytes() - length) {
            return Outcome.failed(ErrorCode.INVALID_ARGUMENT, "range [" + offset + ", +" + length + ") is outside volume "
                    + volumeId + " of " + geometry.sizeBytes() + " bytes");
        }
        return null;
    }

    private <T> Outcome<T> brokenOutcome() {
        return Outcome.failed(ErrorCode.IO_ERROR, "replica " + volumeId + " on " + nodeId
                + " stopped after a failed metadata save; restart the node");
    }

    // --- storage calls and drain ---

    private void storageCallDone() {
        storageCalls--;
        Invariants.check(storageCalls >= 0, "storage call count below zero");
        while (storageCalls == 0 && !drainWaiters.isEmpty()) {
            scheduler.execute(drainWaiters.poll());
        }
    }

    private void whenDrained(Runnable then) {
        if (storageCalls == 0) {
            scheduler.execute(then);
        } else {
            drainWaiters.add(then);
        }
    }

    // --- metadata saves ---

    private void waitSaved(long neededVersion, Runnable then, Completion<?> onFailure) {
        if (savedVersion >= neededVersion) {
            scheduler.execute(then);
            return;
        }
        saveWaiters.add(new SaveWaiter(neededVersion, then, onFailure));
        requestSave();
    }

    private void requestSave() {
        if (saving || broken || savedVersion >= version) {
            return;
        }
        saving = true;
        savingVersion = version;
        savingRegions = unsavedRegions;
        unsavedRegions = geometry.emptySet();
        long epoch = promisedEpoch;
        stateStore.save(metadata(), outcome -> {
            saving = false;
            switch (outcome) {
                case Outcome.Ok<Void> _ -> {
                    savedVersion = savingVersion;
                    savedEpoch = Math.max(savedEpoch, epoch);
                    savingRegions = geometry.emptySet();
                    List<SaveWaiter> ready = saveWaiters.stream().filter(waiter -> waiter.version <= savedVersion).toList();
                    saveWaiters.removeAll(ready);
                    ready.forEach(waiter -> scheduler.execute(waiter.then));
                    requestSave();
                }
                case Outcome.StaleEpoch<Void> stale -> throw new AssertionError("a metadata save cannot be stale: " + stale);
                case Outcome.Failed<Void> failed -> {
                    broken = true;
                    List<SaveWaiter> waiting = List.copyOf(saveWaiters);
                    saveWaiters.clear();
                    for (SaveWaiter waiter : waiting) {
                        fail(waiter.onFailure, failed);
                    }
                }
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> void fail(Completion<T> completion, Outcome.Failed<?> failed) {
        completion.complete((Outcome<T>) (Outcome<?>) new Outcome.Failed<T>(ErrorCode.IO_ERROR,
                "replica metadata save failed: " + failed.message()));
    }
}
