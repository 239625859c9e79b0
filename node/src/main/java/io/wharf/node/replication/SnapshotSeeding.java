package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RebuildSeeder;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.storage.Pool;
import io.wharf.storage.SnapshotInfo;
import io.wharf.storage.SnapshotVolume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a replicated volume's snapshots into a copy before its full rebuild, from this node's own
 * copy (the target's), so that a copy added later or rebuilt by repair holds the snapshots taken
 * before it existed, as Longhorn's rebuilt replicas do. Runs on a virtual thread of its own, through
 * a session on the copy at the target's epoch, which ends before the rebuild opens its own.
 *
 * <p>Oldest first, each snapshot is made the copy's content and sealed under its storage id: the
 * copy is reverted to the previous snapshot it holds and gets only the blocks that changed since
 * ({@link Pool#changedBlocks}), or, with no such base, is zeroed and gets every block the snapshot
 * holds. A snapshot the copy holds already (it reverts to it) is not copied again, so a seeding cut
 * short goes on where it stopped. Each sealed snapshot's record then names the copy's node. The
 * rebuild that follows copies every region, so whatever the seeding left in the copy's current
 * content is overwritten: a failure here costs that copy snapshots, never data.
 *
 * <p>Sources: only this node's copy. A target without a copy (storage-less) or without a snapshot
 * seeds what it holds; the rest are not on the rebuilt copy.
 */
public final class SnapshotSeeding implements RebuildSeeder {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSeeding.class);
    /** Bound on one call to the copy; a trim of a whole copy is the longest. */
    private static final long CALL_TIMEOUT_SECONDS = 120;

    /** What the seeding needs of the cluster store's snapshot records. */
    public interface Records {
        /**
         * The storage ids of the volume's ready snapshots; empty when there is nothing to seed on
         * {@code nodeId} (unknown volume, or {@code nodeId} is the volume's node).
         */
        Set<String> ready(String volumeId, String nodeId);

        /** Records that the copy on {@code nodeId} holds the snapshot, or ({@code held} false) does not (if it is still ready). */
        void held(String volumeId, String storageId, String nodeId, boolean held);
    }

    private final ReplicationLoop loop;
    private final PeerLinks links;
    private final Pool pool;
    private final Records records;
    private final ReplicationConfig config;
    /** One seeding of a copy at a time: a retried rebuild waits for the one before it. */
    private final Map<String, Object> running = new ConcurrentHashMap<>();

    public SnapshotSeeding(ReplicationLoop loop, PeerLinks links, Pool pool, Records records, ReplicationConfig config) {
        this.loop = loop;
        this.links = links;
        this.pool = pool;
        this.records = records;
        this.config = config;
    }

    @Override
    public void seed(String volumeId, String nodeId, long epoch, Completion<Void> done) {
        Thread.ofVirtual().name("seed-" + volumeId + "-" + nodeId).start(() -> {
            Outcome<Void> outcome;
            try {
                synchronized (running.computeIfAbsent(volumeId + "/" + nodeId, key -> new Object())) {
                    int seeded = run(volumeId, nodeId, epoch);
                    if (seeded > 0) {
                        log.atInfo().addKeyValue("volumeId", volumeId).addKeyValue("node", nodeId).addKeyValue("snapshots", seeded)
                                .log("snapshots written to the copy before its rebuild");
                    }
                }
                outcome = Outcome.done();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.atWarn().addKeyValue("volumeId", volumeId).addKeyValue("node", nodeId).addKeyValue("error", e.toString())
                        .log("cannot write the snapshots to the copy; it is rebuilt without those not written yet");
                outcome = Outcome.failed(ErrorCode.UNAVAILABLE, "seeding snapshots: " + e.getMessage());
            }
            Outcome<Void> result = outcome;
            loop.execute(() -> done.complete(result));
        });
    }

    /** Seeds the copy; the number of snapshots written to it (not counting those it held). */
    private int run(String volumeId, String nodeId, long epoch) throws IOException, InterruptedException {
        Set<String> ready = records.ready(volumeId, nodeId);
        if (ready.isEmpty()) {
            return 0;
        }
        List<SnapshotInfo> snapshots = pool.volume(volumeId).isEmpty() ? List.of()
                : pool.snapshots(volumeId).stream().filter(s -> ready.contains(s.id())).toList();
        if (snapshots.size() < ready.size()) {
            log.atInfo().addKeyValue("volumeId", volumeId).addKeyValue("node", nodeId)
                    .addKeyValue("missing", ready.size() - snapshots.size())
                    .log("this node's copy lacks snapshots of the volume; the rebuilt copy gets only those it holds");
        }
        if (snapshots.isEmpty()) {
            return 0;
        }
        ReplicaSession session = call("open", done -> links.endpoint(nodeId).open(volumeId, epoch, snapshots.getFirst().sizeBytes(),
                true, done));
        try {
            long sizeBytes = snapshots.getFirst().sizeBytes();
            String base = null;
            int written = 0;
            for (SnapshotInfo snapshot : snapshots) {
                if (this.<Void>outcome(done -> session.revert(snapshot.id(), done)) instanceof Outcome.Ok<Void>) { // held already
                    records.held(volumeId, snapshot.id(), nodeId, true);
                    base = snapshot.id();
                    continue;
                }
                records.held(volumeId, snapshot.id(), nodeId, false); // until it is sealed there
                if (snapshot.sizeBytes() > sizeBytes) {
                    sizeBytes = snapshot.sizeBytes();
                    long grown = sizeBytes;
                    this.<Void>call("grow", done -> session.grow(grown, done));
                }
                List<long[]> changed = base == null ? null : changedSince(volumeId, base, snapshot.id());
                if (changed != null) {
                    String from = base;
                    this.<Void>call("revert", done -> session.revert(from, done));
                } else {
                    long zeroed = sizeBytes;
                    this.<Void>call("trim", done -> session.trim(0, zeroed, false, done));
                    changed = changedSince(volumeId, null, snapshot.id());
                }
                copy(volumeId, snapshot.id(), changed, session);
                this.<Void>call("snapshot", done -> session.snapshot(snapshot.id(), done));
                records.held(volumeId, snapshot.id(), nodeId, true);
                base = snapshot.id();
                written++;
            }
            return written;
        } finally {
            loop.execute(session::close);
        }
    }

    /**
     * The runs of snapshot {@code snapshotId} that may differ from {@code base} (null: that hold data or
     * zero what is below), as {offset, length} pairs; null when {@code base} is not in its history (a
     * revert went back past it).
     */
    private List<long[]> changedSince(String volumeId, String base, String snapshotId) throws IOException {
        List<long[]> runs = new ArrayList<>();
        long[] at = {0};
        try {
            pool.changedBlocks(volumeId, base, snapshotId, (length, allocated) -> {
                if (allocated) {
                    runs.add(new long[] {at[0], length});
                }
                at[0] += length;
                return true;
            });
        } catch (WharfException e) {
            if (base != null && e.code() == ErrorCode.INVALID_ARGUMENT) {
                return null;
            }
            throw e;
        }
        return runs;
    }

    /** Copies the runs from this node's snapshot to the copy, a frame at a time, paced to the resync bandwidth. */
    private void copy(String volumeId, String snapshotId, List<long[]> runs, ReplicaSession session)
            throws IOException, InterruptedException {
        long rate = config.resyncBytesPerSecond();
        long next = System.nanoTime();
        try (SnapshotVolume view = pool.openSnapshot(volumeId, snapshotId)) {
            for (long[] run : runs) {
                for (long offset = run[0]; offset < run[0] + run[1]; ) {
                    int length = (int) Math.min(ReplicatedVolume.MAX_IO_BYTES, run[0] + run[1] - offset);
                    ByteBuffer data = ByteBuffer.allocate(length);
                    view.read(offset, data);
                    data.flip();
                    long at = offset;
                    if (allZeros(data)) {
                        this.<Void>call("trim", done -> session.trim(at, length, false, done));
                    } else {
                        this.<Void>call("write", done -> session.write(at, data, false, done));
                    }
                    offset += length;
                    if (rate > 0) {
                        next = Math.max(next, System.nanoTime() - 1_000_000_000L) + length * 1_000_000_000L / rate;
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait); // pacing to the configured bandwidth
                        }
                    }
                }
            }
        }
    }

    private static boolean allZeros(ByteBuffer data) {
        for (int i = data.position(); i < data.limit(); i++) {
            if (data.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code call} on the loop and waits for its value; a refusal or failure is thrown. */
    private <T> T call(String what, Consumer<Completion<T>> call) throws InterruptedException {
        return switch (outcome(call)) {
            case Outcome.Ok<T>(T value) -> value;
            case Outcome.StaleEpoch<T> stale -> throw new WharfException(ErrorCode.VOLUME_FENCED,
                    what + ": the copy has seen epoch " + stale.epoch(), "a newer target rebuilds it");
            case Outcome.Failed<T> failed -> throw new WharfException(failed.code(), what + ": " + failed.message(),
                    "the rebuild goes on without the snapshots not written yet");
        };
    }

    private <T> Outcome<T> outcome(Consumer<Completion<T>> call) throws InterruptedException {
        CompletableFuture<Outcome<T>> answered = new CompletableFuture<>();
        loop.execute(() -> call.accept(answered::complete));
        try {
            return answered.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            return Outcome.failed(ErrorCode.UNAVAILABLE, "no answer in " + CALL_TIMEOUT_SECONDS + " s");
        }
    }
}
