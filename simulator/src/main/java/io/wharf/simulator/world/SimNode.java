package io.wharf.simulator.world;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.frames.FrameEndpoint;
import io.wharf.replication.sync.frames.FrameServer;
import io.wharf.replication.sync.replica.BlockStore;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import io.wharf.replication.sync.replica.ReplicaStateStore;
import io.wharf.replication.sync.replica.ReplicaVolume;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.simulator.disk.SimDisk;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One simulated machine: a pool of the real storage engine on a {@link SimDisk}, the replica side of
 * the protocol for each volume it holds, and, when a volume is attached here, its target. The process
 * can crash (a process crash keeps the page cache; a power loss loses unsynced pages as chance says)
 * and restart; everything in memory is rebuilt from the pool and the replica metadata at restart.
 */
public final class SimNode {
    /** Journal ring of the simulated layers: small, so checkpoints happen often. */
    static final long JOURNAL_BYTES = 32 * 1024;

    public final String id;
    final World world;
    private final Path directory;
    private final SimDisk disk = new SimDisk();
    /** Replica metadata that is durable, per volume (encoded as the node would write it). */
    private final Map<String, byte[]> shelf = new TreeMap<>();
    private final List<PendingSave> saves = new ArrayList<>();

    private int incarnation;
    private boolean up;
    private Pool pool;
    private Scheduler scheduler;
    private StoreClient storeClient;
    private final Map<String, ReplicaVolume> replicas = new TreeMap<>();
    private final Map<String, FrameEndpoint> endpoints = new TreeMap<>();
    private final Map<String, SimNode> peers = new TreeMap<>();
    /** The target of the volume attached here (possibly fenced or failed), or null. */
    public ReplicatedVolume target;

    private record PendingSave(String volumeId, byte[] bytes) {}

    public SimNode(String id, World world, Path directory) {
        this.id = id;
        this.world = world;
        this.directory = directory;
    }

    public void knows(SimNode peer) {
        peers.put(peer.id, peer);
    }

    public int incarnation() {
        return incarnation;
    }

    public boolean up() {
        return up;
    }

    public boolean alive(int expectedIncarnation) {
        return up && incarnation == expectedIncarnation;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public StoreClient storeClient() {
        return storeClient;
    }

    public Pool pool() {
        return pool;
    }

    /** Starts the process: opens (and recovers) the pool. */
    public void start() {
        incarnation++;
        up = true;
        int mine = incarnation;
        scheduler = new NodeScheduler(world.loop, () -> alive(mine));
        storeClient = new StoreClient(this, mine);
        try {
            pool = Pool.open(directory, new PoolConfig(1L << 30, 0, 1.0),
                    LayerOptions.DEFAULTS.withOpener(disk.opener()).withPunchHoles(false).withJournalBytes(JOURNAL_BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException("node " + id + " could not open its pool", e);
        }
        world.trace("start " + id + " incarnation " + incarnation + " volumes " + pool.volumeIds());
    }

    /**
     * Kills the process. Channels of the dead process fail from now on, so closing the pool (which
     * releases its lock for the next incarnation) writes nothing durable; with {@code powerLoss} the
     * disk also loses or tears unsynced pages, and unfinished metadata saves land or not.
     */
    public void crash(boolean powerLoss) {
        if (!up) {
            return;
        }
        up = false;
        disk.crash(powerLoss, world.random);
        for (PendingSave save : saves) {
            if (world.random.nextBoolean()) {
                shelf.put(save.volumeId, save.bytes); // the atomic replace happened before the crash, or not
            }
        }
        saves.clear();
        try {
            pool.close();
        } catch (IOException | RuntimeException expected) {
            // the device is gone for the dead process: the final checkpoint fails, which is the point
        }
        pool = null;
        replicas.clear();
        endpoints.clear();
        target = null;
        world.network.crashed(this, powerLoss);
        world.trace((powerLoss ? "power loss " : "crash ") + id);
    }

    /** Closes the pool cleanly (end of a run). */
    public void shutdown() throws IOException {
        if (up) {
            up = false;
            pool.close();
        }
    }

    /** The target role's way to a replica node. */
    public ReplicaEndpoint endpoint(String peer) {
        return endpoints.computeIfAbsent(peer, name -> new FrameEndpoint(name, scheduler,
                endpoint -> world.network.connect(this, peers.get(name), endpoint), world.replication.requestTimeoutNanos()));
    }

    /** The pool as the replica side of the protocol needs it, for connections to this incarnation. */
    FrameServer.Volumes volumes(int expectedIncarnation) {
        return (volumeId, sizeBytes, create, done) -> {
            Outcome<ReplicaVolume> result = alive(expectedIncarnation) ? replicaVolume(volumeId, sizeBytes, create)
                    : Outcome.failed(ErrorCode.UNAVAILABLE, "node " + id + " restarted");
            if (alive(expectedIncarnation)) {
                scheduler.execute(() -> done.complete(result));
            }
        };
    }

    private Outcome<ReplicaVolume> replicaVolume(String volumeId, long sizeBytes, boolean create) {
        ReplicaVolume existing = replicas.get(volumeId);
        if (existing != null) {
            return Outcome.ok(existing);
        }
        try {
            Optional<Volume> volume = pool.volume(volumeId);
            if (volume.isEmpty()) {
                if (!create) {
                    return Outcome.failed(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " is not on node " + id);
                }
                volume = Optional.of(pool.create(volumeId, sizeBytes));
                shelf.remove(volumeId);
                world.trace("create " + volumeId + " on " + id);
            }
            byte[] saved = shelf.get(volumeId);
            ReplicaMetadata metadata = saved == null
                    ? ReplicaMetadata.fresh(RegionGeometry.of(volume.get().sizeBytes(), world.replication.regionBytes()))
                    : ReplicaMetadata.decode(saved, volume.get().sizeBytes());
            RegionGeometry geometry = metadata.geometry(world.replication.regionBytes()); // the copy may be larger: it grew, the save did not land
            ReplicaVolume replica = new ReplicaVolume(id, volumeId, geometry, metadata, new Disk(volumeId, volume.get()), new Shelf(volumeId),
                    scheduler, world.listener);
            replicas.put(volumeId, replica);
            return Outcome.ok(replica);
        } catch (IOException | WharfException e) {
            return Outcome.failed(ErrorCode.IO_ERROR, "node " + id + ": " + e.getMessage());
        }
    }

    /** Creates an empty volume in the pool (setup, as the control plane would). */
    public void createVolume(String volumeId, long sizeBytes) throws IOException {
        pool.create(volumeId, sizeBytes);
    }

    /** The replica's epoch as a restart would find it (durable), or -1 without one. */
    public long durableEpoch(String volumeId) {
        byte[] saved = shelf.get(volumeId);
        return saved == null ? -1 : ReplicaMetadata.decode(saved, 1).epoch();
    }

    /** Reads the whole local copy of a volume straight from the pool (checks at quiescence). */
    public Optional<byte[]> readLocal(String volumeId) throws IOException {
        Optional<Volume> volume = pool.volume(volumeId);
        if (volume.isEmpty()) {
            return Optional.empty();
        }
        ByteBuffer all = ByteBuffer.allocate((int) volume.get().sizeBytes());
        volume.get().read(0, all);
        return Optional.of(all.array());
    }

    /** Reads a whole snapshot of the local copy straight from the pool, if the copy has it (checks at quiescence). */
    public Optional<byte[]> readSnapshot(String volumeId, String snapshotId) throws IOException {
        if (pool.volume(volumeId).isEmpty() || pool.snapshots(volumeId).stream().noneMatch(s -> s.id().equals(snapshotId))) {
            return Optional.empty();
        }
        try (io.wharf.storage.SnapshotVolume view = pool.openSnapshot(volumeId, snapshotId)) {
            ByteBuffer all = ByteBuffer.allocate((int) view.sizeBytes());
            view.read(0, all);
            return Optional.of(all.array());
        }
    }

    /** The storage engine's volume as the protocol's {@link BlockStore}: the call happens now, its completion after a simulated latency. */
    private final class Disk implements BlockStore {
        private final String volumeId;
        private final Volume volume;

        Disk(String volumeId, Volume volume) {
            this.volumeId = volumeId;
            this.volume = volume;
        }

        @Override
        public long sizeBytes() {
            return volume.sizeBytes();
        }

        @Override
        public void read(long offset, int length, Completion<ByteBuffer> done) {
            ByteBuffer data = ByteBuffer.allocate(length);
            Outcome<ByteBuffer> result = call(() -> volume.read(offset, data));
            complete(done, result instanceof Outcome.Ok<ByteBuffer> ? Outcome.ok(data.flip()) : result, false);
        }

        @Override
        public void write(long offset, ByteBuffer data, Completion<Void> done) {
            complete(done, call(() -> volume.write(offset, data)), false);
        }

        @Override
        public void trim(long offset, long length, Completion<Void> done) {
            complete(done, call(() -> volume.trim(offset, length)), false);
        }

        @Override
        public void flush(Completion<Void> done) {
            complete(done, call(volume::flush), true);
        }

        @Override
        public void snapshot(String snapshotId, Completion<Void> done) {
            complete(done, call(() -> pool.snapshot(volumeId, snapshotId)), true);
        }

        @Override
        public void revert(String snapshotId, Completion<Void> done) {
            complete(done, call(() -> pool.revert(volumeId, snapshotId)), true);
        }

        /** The storage engine's growth is durable when it returns (its metadata is replaced atomically). */
        @Override
        public void grow(long sizeBytes, Completion<Void> done) {
            complete(done, call(() -> {
                if (volume.sizeBytes() < sizeBytes) {
                    volume.resize(sizeBytes);
                }
            }), true);
        }

        private <T> void complete(Completion<T> done, Outcome<T> outcome, boolean flush) {
            World.Latencies latency = world.latencies;
            long delay = flush ? world.between(latency.flushMinNanos(), latency.flushMaxNanos())
                    : world.between(latency.writeMinNanos(), latency.writeMaxNanos());
            scheduler.schedule(delay, () -> done.complete(outcome));
        }
    }

    private interface StorageCall {
        void run() throws IOException;
    }

    private static <T> Outcome<T> call(StorageCall call) {
        try {
            call.run();
            return Outcome.ok(null);
        } catch (IOException | WharfException e) {
            return Outcome.failed(ErrorCode.IO_ERROR, String.valueOf(e.getMessage()));
        }
    }

    /** Replica metadata saves: atomic; durable once complete; a crash before that may or may not have landed it. */
    private final class Shelf implements ReplicaStateStore {
        private final String volumeId;

        Shelf(String volumeId) {
            this.volumeId = volumeId;
        }

        @Override
        public void save(ReplicaMetadata metadata, Completion<Void> done) {
            PendingSave save = new PendingSave(volumeId, metadata.encode());
            saves.add(save);
            World.Latencies latency = world.latencies;
            scheduler.schedule(world.between(latency.saveMinNanos(), latency.saveMaxNanos()), () -> {
                saves.remove(save);
                shelf.put(volumeId, save.bytes);
                done.complete(Outcome.done());
            });
        }
    }
}
