package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.node.transport.FrameHost;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.frames.FrameLink;
import io.wharf.replication.sync.frames.FrameServer;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import io.wharf.replication.sync.replica.ReplicaVolume;
import io.wharf.storage.Pool;
import io.wharf.storage.Volume;
import io.wharf.storage.disk.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of synchronous replication on this node: one {@link ReplicaVolume} per volume of
 * the local {@link Pool} that a target opened, created once per process and kept until the volume
 * is forgotten, over the pool's volume ({@link LocalCopy}) and its metadata file
 * ({@link MetadataFile}, in {@code stateDirectory}). Each connection that speaks synchronous
 * replication gets a {@link FrameServer} of its own ({@link #serve}) over these volumes.
 *
 * <p>Threads: {@link #open} and everything the replica volumes and frame servers do run on the
 * {@link ReplicationLoop}; storage calls and metadata saves run on virtual threads (at most
 * {@value #MAX_STORAGE_CALLS} and {@value #MAX_METADATA_CALLS} at once), writes at page-cache speed
 * on the loop ({@link StorageCalls#runWrite}), and all complete on the loop.
 * {@link #forget}, {@link #holds} and {@link #close} may be called from any thread.
 */
public final class ReplicaHost implements FrameServer.Volumes, FrameHost, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaHost.class);
    /** As the pool's: ids are safe as file names. */
    private static final Pattern VOLUME_ID = Pattern.compile("[a-z0-9-]{1,128}");
    static final int MAX_STORAGE_CALLS = 32;
    static final int MAX_METADATA_CALLS = 8;
    private static final long CLOSE_TIMEOUT_NANOS = Duration.ofSeconds(30).toNanos();

    private final String nodeId;
    private final Pool pool;
    private final Path stateDirectory;
    private final ReplicationLoop loop;
    private final ReplicationConfig config;
    private final ReplicationListener listener;
    private final StorageCalls storage;
    private final StorageCalls metadata;
    /** Replicas open in this process; written on the loop (under the volume's file lock), read anywhere. */
    private final Map<String, ReplicaVolume> volumes = new ConcurrentHashMap<>();
    private final Map<String, MetadataFile> files = new ConcurrentHashMap<>();
    /** Opens waiting for a replica being loaded; loop only. */
    private final Map<String, List<Completion<ReplicaVolume>>> loading = new HashMap<>();
    private volatile boolean closed;

    /** What a replica is made of, read off the loop. */
    private record Loaded(Volume volume, RegionGeometry geometry, ReplicaMetadata metadata, long generation, boolean created) {}

    /**
     * @param stateDirectory where the metadata files live (created if missing; leftovers of
     *                       interrupted replaces are removed)
     * @throws UncheckedIOException when the directory cannot be prepared
     */
    public ReplicaHost(String nodeId, Pool pool, Path stateDirectory, ReplicationLoop loop, ReplicationConfig config,
                       ReplicationListener listener) {
        this.nodeId = nodeId;
        this.pool = pool;
        this.stateDirectory = stateDirectory;
        this.loop = loop;
        this.config = config;
        this.listener = listener;
        this.storage = new StorageCalls("storage", loop, MAX_STORAGE_CALLS);
        this.metadata = new StorageCalls("metadata", loop, MAX_METADATA_CALLS);
        try {
            Files.createDirectories(stateDirectory);
            AtomicFile.removeLeftovers(stateDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the replica state directory " + stateDirectory, e);
        }
    }

    public String nodeId() {
        return nodeId;
    }

    @Override
    public Executor loop() {
        return loop::execute;
    }

    /** The loop this host's replicas run on (a target reaching them in process must run on it too). */
    ReplicationLoop replicationLoop() {
        return loop;
    }

    /** A frame server for one connection; its replies go out through {@code link}. Call on the loop. */
    @Override
    public FrameServer serve(FrameLink link) {
        return new FrameServer(this, link);
    }

    /**
     * The replica of {@code volumeId} on this node, loaded once per process: its metadata from its
     * file, or fresh when there is none. Called on the loop; completes on it.
     *
     * @param create create the volume ({@code sizeBytes}, empty, fresh metadata replacing any stale
     *               file) when the pool lacks it; otherwise a missing volume is VOLUME_NOT_FOUND
     */
    @Override
    public void open(String volumeId, long sizeBytes, boolean create, Completion<ReplicaVolume> done) {
        loop.checkInLoop("ReplicaHost.open");
        if (closed) {
            loop.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "node " + nodeId + " is shutting down")));
            return;
        }
        if (!VOLUME_ID.matcher(volumeId).matches()) {
            loop.execute(() -> done.complete(Outcome.failed(ErrorCode.INVALID_ARGUMENT, "volume id '" + volumeId + "' is not valid")));
            return;
        }
        ReplicaVolume open = volumes.get(volumeId);
        if (open != null) {
            loop.execute(() -> done.complete(Outcome.ok(open)));
            return;
        }
        List<Completion<ReplicaVolume>> waiting = loading.get(volumeId);
        if (waiting != null) {
            waiting.add(done);
            return;
        }
        loading.put(volumeId, new ArrayList<>(List.of(done)));
        MetadataFile file = file(volumeId);
        metadata.run("open replica " + volumeId, () -> load(volumeId, sizeBytes, create, file),
                loaded -> finishOpen(volumeId, file, loaded));
    }

    /** Off the loop: the pool's volume (created if asked) and the replica's metadata. */
    private Loaded load(String volumeId, long sizeBytes, boolean create, MetadataFile file) throws IOException {
        file.lock();
        try {
            long generation = file.generation();
            Optional<Volume> existing = pool.volume(volumeId);
            if (existing.isEmpty()) {
                if (!create) {
                    throw new WharfException(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " is not on node " + nodeId,
                            "check which nodes hold the volume's replicas");
                }
                Volume created = pool.create(volumeId, sizeBytes);
                RegionGeometry geometry = RegionGeometry.of(created.sizeBytes(), config.regionBytes());
                ReplicaMetadata fresh = ReplicaMetadata.fresh(geometry);
                file.writeLocked(fresh.encode()); // replaces a stale file of an earlier volume of that id
                return new Loaded(created, geometry, fresh, generation, true);
            }
            Volume volume = existing.get();
            Optional<byte[]> saved = file.readLocked();
            ReplicaMetadata metadata;
            try {
                metadata = saved.isEmpty() ? ReplicaMetadata.fresh(RegionGeometry.of(volume.sizeBytes(), config.regionBytes()))
                        : ReplicaMetadata.decode(saved.get(), volume.sizeBytes());
            } catch (IllegalArgumentException e) {
                throw new IOException("replica metadata " + file.path() + " is damaged (" + e.getMessage()
                        + "); the replica cannot be trusted: remove it from the volume's replica set and add it again", e);
            }
            RegionGeometry geometry; // of the metadata's size: the copy may be larger (it grew, and the save after it did not land)
            try {
                geometry = metadata.geometry(config.regionBytes());
            } catch (IllegalArgumentException e) {
                throw new IOException("replica metadata " + file.path() + " does not fit (" + e.getMessage() + ")", e);
            }
            if (volume.sizeBytes() < geometry.sizeBytes()) {
                throw new IOException("replica metadata " + file.path() + " is for " + geometry.sizeBytes()
                        + " bytes, more than the volume's " + volume.sizeBytes());
            }
            return new Loaded(volume, geometry, metadata, generation, false);
        } finally {
            file.unlock();
        }
    }

    /** On the loop: makes the replica (unless the volume was forgotten meanwhile) and answers every open waiting for it. */
    private void finishOpen(String volumeId, MetadataFile file, Outcome<Loaded> loaded) {
        List<Completion<ReplicaVolume>> waiting = loading.remove(volumeId);
        Outcome<ReplicaVolume> result = switch (loaded) {
            case Outcome.Ok<Loaded>(Loaded found) -> replica(volumeId, file, found);
            default -> Outcome.castFailure(loaded);
        };
        for (Completion<ReplicaVolume> done : waiting) {
            done.complete(result);
        }
    }

    private Outcome<ReplicaVolume> replica(String volumeId, MetadataFile file, Loaded found) {
        file.lock();
        try {
            if (closed || file.generation() != found.generation()) {
                return Outcome.failed(ErrorCode.UNAVAILABLE, "volume " + volumeId + " was deleted on node " + nodeId + " while opening");
            }
            ReplicaVolume replica = new ReplicaVolume(nodeId, volumeId, found.geometry(), found.metadata(),
                    new LocalCopy(volumeId, found.volume(), pool, storage), file.store(volumeId, found.generation(), metadata), loop, listener);
            volumes.put(volumeId, replica);
            log.atInfo().setMessage("replica opened").addKeyValue("volume", volumeId).addKeyValue("node", nodeId)
                    .addKeyValue("created", found.created()).addKeyValue("epoch", found.metadata().epoch())
                    .addKeyValue("activityRegions", found.metadata().activity().size())
                    .addKeyValue("trackedPeers", found.metadata().tracked().keySet()).log();
            return Outcome.ok(replica);
        } finally {
            file.unlock();
        }
    }

    /**
     * The volume was deleted here: drops its replica and deletes its metadata file (durably). Saves
     * still under way for it write nothing. Any thread.
     *
     * @throws WharfException IO_ERROR when the file cannot be deleted
     */
    public void forget(String volumeId) {
        if (!VOLUME_ID.matcher(volumeId).matches()) {
            return;
        }
        MetadataFile file = file(volumeId);
        file.lock();
        try {
            ReplicaVolume dropped = volumes.remove(volumeId);
            file.forget();
            log.atInfo().setMessage("replica forgotten").addKeyValue("volume", volumeId).addKeyValue("node", nodeId)
                    .addKeyValue("wasOpen", dropped != null).log();
        } catch (IOException e) {
            throw new WharfException(ErrorCode.IO_ERROR, "cannot delete the replica metadata of " + volumeId + " on node " + nodeId
                    + ": " + e.getMessage(), "check the node's data directory", e);
        } finally {
            file.unlock();
        }
    }

    /** Whether this node has a replica of the volume: a metadata file, or a replica open in this process. Any thread. */
    public boolean holds(String volumeId) {
        return VOLUME_ID.matcher(volumeId).matches() && (volumes.containsKey(volumeId) || file(volumeId).exists());
    }

    /** The replica open in this process, if any (diagnostics and tests; its methods run on the loop only). */
    public Optional<ReplicaVolume> replica(String volumeId) {
        return Optional.ofNullable(volumes.get(volumeId));
    }

    /** The file holding the volume's replica metadata. */
    public Path metadataFile(String volumeId) {
        return file(volumeId).path();
    }

    private MetadataFile file(String volumeId) {
        return files.computeIfAbsent(volumeId, id -> new MetadataFile(stateDirectory, id));
    }

    /**
     * Refuses new opens and storage calls and waits (bounded) for the ones running, so that the pool
     * can be closed after it. Close the servers that use this host first. Any thread; idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        storage.close(CLOSE_TIMEOUT_NANOS);
        metadata.close(CLOSE_TIMEOUT_NANOS);
        volumes.clear();
        log.atDebug().setMessage("replica host closed").addKeyValue("node", nodeId).log();
    }
}
