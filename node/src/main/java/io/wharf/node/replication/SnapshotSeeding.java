package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.node.transport.RemoteVolume;
import io.wharf.node.transport.ReplicaClient;
import io.wharf.node.transport.ReplicaClientConfig;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RebuildSeeder;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.storage.ExtentSink;
import io.wharf.storage.Pool;
import io.wharf.storage.SnapshotVolume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a replicated volume's snapshots into a copy before its full rebuild, so that a copy added
 * later or rebuilt by repair holds the snapshots taken before it existed, as Longhorn's rebuilt
 * replicas do. Runs on a virtual thread of its own (on the target), through a session on the copy at
 * the target's epoch, which ends before the rebuild opens its own.
 *
 * <p>Oldest first, each snapshot is made the copy's content and sealed under its storage id: the
 * copy is reverted to the previous snapshot it holds and gets only the blocks that changed since
 * ({@link Pool#changedBlocks}), or, with no such base, is zeroed and gets every block the snapshot
 * holds. A snapshot the copy holds already (it reverts to it) is not copied again, so a seeding cut
 * short goes on where it stopped. Each snapshot's record says the copy does not hold it until it is
 * sealed there, then names the copy's node. The rebuild that follows copies every region, so
 * whatever the seeding left in the copy's current content is overwritten: a failure here costs that
 * copy snapshots, never data. When the copy holds snapshots afterwards, the rebuild writes only the
 * chunks that differ from what the copy holds (its newest snapshot), so its current layer stays thin.
 *
 * <p>Sources: this node's copy when it holds the snapshot; else another node whose copy holds it,
 * over the replication transport ({@code VOLUME@SNAPSHOT^BASE} opens, whose extents are the blocks
 * changed since the base). A snapshot no reachable node holds is left out.
 */
public final class SnapshotSeeding implements RebuildSeeder, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSeeding.class);
    /** Bound on one call to the copy; a trim of a whole copy is the longest. */
    private static final long CALL_TIMEOUT_SECONDS = 120;
    /** The copy is zeroed in parts of this size (a wire range is at most 4 GiB). */
    private static final long TRIM_PART_BYTES = 1L << 30;

    /** What the seeding needs of the cluster store's snapshot records. */
    public interface Records {
        /**
         * The volume's ready snapshots, oldest first; empty when there is nothing to seed on
         * {@code nodeId} (unknown volume, or {@code nodeId} is the volume's node).
         */
        List<Ready> ready(String volumeId, String nodeId);

        /** Records that the copy on {@code nodeId} holds the snapshot, or ({@code held} false) does not (if it is still ready). */
        void held(String volumeId, String storageId, String nodeId, boolean held);
    }

    /**
     * A ready snapshot.
     *
     * @param sizeBytes the volume's size when it was taken
     * @param holders   the nodes whose copies hold it
     */
    public record Ready(String storageId, long sizeBytes, List<String> holders) {}

    private final String nodeId;
    private final ReplicationLoop loop;
    private final PeerLinks links;
    private final Pool pool;
    private final Records records;
    private final ReplicationConfig config;
    private final String clusterId;
    private final Function<String, Optional<String>> addresses;
    /** Clients of other nodes' replication ports, kept until this closes. */
    private final Map<String, ReplicaClient> clients = new ConcurrentHashMap<>();
    /** One seeding of a copy at a time: a retried rebuild waits for the one before it. */
    private final Map<String, Object> running = new ConcurrentHashMap<>();

    /**
     * @param nodeId    this node
     * @param addresses the {@code host:port} of another node's replication port, by node id
     */
    public SnapshotSeeding(String nodeId, String clusterId, ReplicationLoop loop, PeerLinks links, Pool pool, Records records,
                           ReplicationConfig config, Function<String, Optional<String>> addresses) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.loop = loop;
        this.links = links;
        this.pool = pool;
        this.records = records;
        this.config = config;
        this.addresses = addresses;
    }

    /** Closes the clients of other nodes; a seeding still running fails. */
    @Override
    public void close() {
        clients.values().forEach(ReplicaClient::close);
        clients.clear();
    }

    /** A client of {@code node}'s replication port, at its address now. */
    private ReplicaClient client(String node) {
        String address = addresses.apply(node).orElseThrow(() -> new WharfException(ErrorCode.UNAVAILABLE,
                "node " + node + " has no replication address", "start it with a --repl-port"));
        int colon = address.lastIndexOf(':');
        return clients.compute(node, (id, known) -> {
            if (known != null && known.peer().equals(address)) {
                return known;
            }
            if (known != null) {
                known.close();
            }
            return new ReplicaClient(ReplicaClientConfig.of(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)),
                    clusterId, nodeId));
        });
    }

    @Override
    public void seed(String volumeId, String copyNode, long epoch, Completion<Boolean> done) {
        Thread.ofVirtual().name("seed-" + volumeId + "-" + copyNode).start(() -> {
            Outcome<Boolean> outcome;
            try {
                synchronized (running.computeIfAbsent(volumeId + "/" + copyNode, key -> new Object())) {
                    Seeded seeded = run(volumeId, copyNode, epoch);
                    if (seeded.written() > 0) {
                        log.atInfo().addKeyValue("volumeId", volumeId).addKeyValue("node", copyNode)
                                .addKeyValue("snapshots", seeded.written()).addKeyValue("held", seeded.held())
                                .log("snapshots written to the copy before its rebuild");
                    }
                    outcome = Outcome.ok(seeded.held() > 0);
                }
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.atWarn().addKeyValue("volumeId", volumeId).addKeyValue("node", copyNode).addKeyValue("error", e.toString())
                        .log("cannot write the snapshots to the copy; it is rebuilt without those not written yet");
                outcome = Outcome.failed(ErrorCode.UNAVAILABLE, "seeding snapshots: " + e.getMessage());
            }
            Outcome<Boolean> result = outcome;
            loop.execute(() -> done.complete(result));
        });
    }

    /**
     * What a seeding did: snapshots written to the copy, and those it holds now (written or held before);
     * when it holds any, its current content is the newest of them, durably.
     */
    private record Seeded(int written, int held) {}

    private Seeded run(String volumeId, String copyNode, long epoch) throws IOException, InterruptedException {
        List<Ready> snapshots = records.ready(volumeId, copyNode);
        if (snapshots.isEmpty()) {
            return new Seeded(0, 0);
        }
        Set<String> here = new HashSet<>();
        if (pool.volume(volumeId).isPresent()) {
            pool.snapshots(volumeId).forEach(snapshot -> here.add(snapshot.id()));
        }
        ReplicaSession session = call("open", done -> links.endpoint(copyNode).open(volumeId, epoch, snapshots.getFirst().sizeBytes(),
                true, done));
        try (Sources sources = new Sources(volumeId)) {
            long sizeBytes = snapshots.getFirst().sizeBytes();
            String base = null;
            int written = 0;
            int held = 0;
            for (Ready snapshot : snapshots) {
                String id = snapshot.storageId();
                if (this.<Void>outcome(done -> session.revert(id, done)) instanceof Outcome.Ok<Void>) { // held already
                    records.held(volumeId, id, copyNode, true);
                    base = id;
                    held++;
                    continue;
                }
                records.held(volumeId, id, copyNode, false); // until it is sealed there
                List<String> from = here.contains(id) ? List.of(nodeId)
                        : snapshot.holders().stream().filter(n -> !n.equals(copyNode) && !n.equals(nodeId)).toList();
                Source source = sources.first(from);
                if (source == null) {
                    log.atInfo().addKeyValue("volumeId", volumeId).addKeyValue("snapshot", id).addKeyValue("holders", snapshot.holders())
                            .log("no node that holds the snapshot can be reached; the rebuilt copy goes without it");
                    continue;
                }
                if (snapshot.sizeBytes() > sizeBytes) {
                    sizeBytes = snapshot.sizeBytes();
                    long grown = sizeBytes;
                    this.<Void>call("grow", done -> session.grow(grown, done));
                }
                List<long[]> changed = base == null ? null : source.changed(base, id);
                if (changed != null) {
                    String previous = base;
                    this.<Void>call("revert", done -> session.revert(previous, done));
                } else {
                    for (long part = 0; part < sizeBytes; part += TRIM_PART_BYTES) { // a wire range is at most 4 GiB
                        long at = part;
                        long length = Math.min(TRIM_PART_BYTES, sizeBytes - part);
                        this.<Void>call("trim", done -> session.trim(at, length, false, done));
                    }
                    changed = source.changed(null, id);
                }
                copy(source, id, changed, session);
                this.<Void>call("snapshot", done -> session.snapshot(id, done));
                records.held(volumeId, id, copyNode, true);
                base = id;
                written++;
                held++;
            }
            return new Seeded(written, held);
        } finally {
            loop.execute(session::close);
        }
    }

    /** Where a snapshot's blocks are read: this node's pool, or another node's over the transport; closing closes its view. */
    private interface Source extends AutoCloseable {
        /**
         * The runs of {@code snapshotId} that may differ from snapshot {@code base} (null: that hold data),
         * as {offset, length} pairs; null when the base is not in its history or not here.
         */
        List<long[]> changed(String base, String snapshotId) throws IOException;

        void read(String snapshotId, long offset, ByteBuffer dst) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** The sources of one seeding, opened as needed and closed with it. */
    private final class Sources implements AutoCloseable {
        private final String volumeId;
        private final Map<String, Source> opened = new HashMap<>();

        Sources(String volumeId) {
            this.volumeId = volumeId;
        }

        /** The first of {@code nodes} that can be reached, or null. */
        Source first(List<String> nodes) {
            for (String node : nodes) {
                try {
                    return opened.computeIfAbsent(node, n -> n.equals(nodeId) ? new Local() : new Remote(client(n)));
                } catch (RuntimeException e) {
                    log.atInfo().addKeyValue("volumeId", volumeId).addKeyValue("node", node).addKeyValue("error", e.toString())
                            .log("cannot reach a node holding snapshots to seed a copy from");
                }
            }
            return null;
        }

        /** This node's pool. */
        private final class Local implements Source {
            private SnapshotVolume view;

            @Override
            public List<long[]> changed(String base, String snapshotId) throws IOException {
                try {
                    return allocatedRuns(sink -> pool.changedBlocks(volumeId, base, snapshotId, sink));
                } catch (WharfException e) {
                    if (base != null && (e.code() == ErrorCode.INVALID_ARGUMENT || e.code() == ErrorCode.NOT_FOUND)) {
                        return null;
                    }
                    throw e;
                }
            }

            @Override
            public void read(String snapshotId, long offset, ByteBuffer dst) throws IOException {
                if (view == null || !view.snapshotId().equals(snapshotId)) {
                    if (view != null) {
                        view.close();
                    }
                    view = pool.openSnapshot(volumeId, snapshotId);
                }
                view.read(offset, dst);
            }

            @Override
            public void close() throws IOException {
                if (view != null) {
                    view.close();
                }
            }
        }

        /** Another node's copy, through {@code VOLUME@SNAPSHOT^BASE} opens of its replication port. */
        private final class Remote implements Source {
            private final ReplicaClient client;
            private RemoteVolume view;
            private String viewOf;

            Remote(ReplicaClient client) {
                this.client = client;
            }

            @Override
            public List<long[]> changed(String base, String snapshotId) throws IOException {
                String spec = volumeId + "@" + snapshotId + (base == null ? "" : "^" + base);
                RemoteVolume changes;
                try {
                    changes = client.open(spec, 0);
                } catch (IllegalArgumentException | WharfException e) { // the peer refused the base (not in the history, or not there)
                    if (base != null) {
                        return null;
                    }
                    throw e;
                }
                use(changes, snapshotId);
                return allocatedRuns(sink -> changes.extents(0, changes.sizeBytes(), sink));
            }

            @Override
            public void read(String snapshotId, long offset, ByteBuffer dst) throws IOException {
                if (view == null || !snapshotId.equals(viewOf)) {
                    use(client.open(volumeId + "@" + snapshotId, 0), snapshotId);
                }
                view.read(offset, dst);
            }

            private void use(RemoteVolume opened, String snapshotId) {
                if (view != null) {
                    view.close();
                }
                view = opened;
                viewOf = snapshotId;
            }

            @Override
            public void close() {
                if (view != null) {
                    view.close();
                }
            }
        }

        @Override
        public void close() {
            for (Source source : opened.values()) {
                try {
                    source.close();
                } catch (IOException | RuntimeException e) {
                    log.atDebug().addKeyValue("error", e.toString()).log("closing a snapshot view after seeding failed");
                }
            }
        }
    }

    /** Something that reports extents to a sink. */
    @FunctionalInterface
    private interface Extents {
        void report(ExtentSink sink) throws IOException;
    }

    /** The allocated runs {@code extents} reports, as {offset, length} pairs. */
    private static List<long[]> allocatedRuns(Extents extents) throws IOException {
        List<long[]> runs = new ArrayList<>();
        long[] at = {0};
        extents.report((length, allocated) -> {
            if (allocated) {
                runs.add(new long[] {at[0], length});
            }
            at[0] += length;
            return true;
        });
        return runs;
    }

    /** Copies the runs of the snapshot from {@code source} to the copy, a frame at a time, paced to the resync bandwidth. */
    private void copy(Source source, String snapshotId, List<long[]> runs, ReplicaSession session)
            throws IOException, InterruptedException {
        long rate = config.resyncBytesPerSecond();
        long next = System.nanoTime();
        for (long[] run : runs) {
            for (long offset = run[0]; offset < run[0] + run[1]; ) {
                int length = (int) Math.min(ReplicatedVolume.MAX_IO_BYTES, run[0] + run[1] - offset);
                ByteBuffer data = ByteBuffer.allocate(length);
                source.read(snapshotId, offset, data);
                data.flip();
                long at = offset;
                if (ReplicatedVolume.allZeros(data)) { // a trim keeps the copy thin, as a rebuild's copies do
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
        loop.execute(() -> {
            try {
                call.accept(answered::complete);
            } catch (RuntimeException e) { // refused before it was sent: say so now, not after the timeout
                answered.complete(Outcome.failed(ErrorCode.INTERNAL, e.toString()));
            }
        });
        try {
            return answered.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            return Outcome.failed(ErrorCode.UNAVAILABLE, "no answer in " + CALL_TIMEOUT_SECONDS + " s");
        }
    }
}
