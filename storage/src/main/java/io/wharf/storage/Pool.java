package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.ChecksummedText;
import io.wharf.storage.disk.Directories;
import io.wharf.storage.disk.DiskErrors;
import io.wharf.storage.layer.LayerFile;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storage pool: a directory holding thin volumes. See the package documentation for the layout
 * and the crash-safety argument.
 *
 * <p>Thread-safe. Control operations (create, delete, close) are serialized; volume I/O is not
 * affected by them, except that a deleted or closed volume fails further calls.
 */
public final class Pool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pool.class);
    static final String LOCK_FILE = "pool.lock";
    static final String META_FILE = "pool.meta";
    static final String VOLUMES = "volumes";
    static final String STAGING = "staging";
    static final String TRASH = "trash";
    static final String LAYERS = "layers";
    private static final String META_KIND = "wharf-pool";
    private static final int FORMAT_VERSION = 1;
    private static final Pattern VOLUME_ID = Pattern.compile("[a-z0-9-]{1,128}");
    /** Pools open in this JVM: a second FileChannel on the lock file must never be closed, as that drops the lock. */
    private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final PoolConfig config;
    private final LayerOptions options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ConcurrentHashMap<String, ChainVolume> volumes = new ConcurrentHashMap<>();
    private final ReentrantLock control = new ReentrantLock();
    private final Set<SnapshotVolume> views = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Pool(Path directory, PoolConfig config, LayerOptions options, FileChannel lockChannel, FileLock lock) {
        this.directory = directory;
        this.config = config;
        this.options = options;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens the pool in {@code directory}, creating it if the directory is missing or empty, and
     * finishing whatever a crash interrupted (half-created volumes are removed, half-deleted ones
     * deleted, layer journals replayed).
     *
     * @throws WharfException {@link ErrorCode#DATA_DIR_LOCKED} when another process (or this one)
     *                        has the pool open; {@link ErrorCode#DATA_DIR_INVALID} when the directory
     *                        holds something else or is damaged
     */
    public static Pool open(Path directory, PoolConfig config) throws IOException {
        return open(directory, config, LayerOptions.DEFAULTS);
    }

    public static Pool open(Path directory, PoolConfig config, LayerOptions options) throws IOException {
        Files.createDirectories(directory);
        Path real = directory.toRealPath();
        if (!OPEN_IN_THIS_JVM.add(real)) {
            throw locked(real, null);
        }
        FileChannel channel = null;
        Pool pool = null;
        try {
            channel = FileChannel.open(real.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                throw locked(real, e);
            }
            if (lock == null) {
                throw locked(real, null);
            }
            pool = new Pool(real, config, options, channel, lock);
            pool.initialize();
            pool.recover();
            LOG.atInfo().setMessage("pool opened").addKeyValue("directory", real).addKeyValue("volumes", pool.volumes.size())
                    .addKeyValue("capacityBytes", config.capacityBytes()).addKeyValue("reserveBytes", config.reserveBytes())
                    .addKeyValue("overcommitRatio", config.overcommitRatio())
                    .addKeyValue("journalBytes", options.journalBytes()).addKeyValue("punchHoles", options.punchHoles()).log();
            return pool;
        } catch (IOException | RuntimeException e) {
            if (pool != null) {
                pool.closeVolumesQuietly(e);
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            OPEN_IN_THIS_JVM.remove(real);
            throw e;
        }
    }

    private static WharfException locked(Path directory, Throwable cause) {
        return new WharfException(ErrorCode.DATA_DIR_LOCKED, "pool directory " + directory + " is in use by another process",
                "stop the other Wharf node using this directory, or give this one another data directory", cause);
    }

    public Path directory() {
        return directory;
    }

    public PoolConfig config() {
        return config;
    }

    /**
     * Creates an empty thin volume: O(1), no data space. The volume exists after a crash only if
     * this call returned.
     *
     * @param volumeId stable id, {@code [a-z0-9-]{1,128}}
     */
    public Volume create(String volumeId, long sizeBytes) throws IOException {
        validateId(volumeId);
        ChainVolume.validateSize(sizeBytes);
        control.lock();
        try {
            checkOpen();
            if (volumes.containsKey(volumeId)) {
                throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume " + volumeId + " already exists in this pool",
                        "choose another id or delete the existing volume first");
            }
            Path staging = directory.resolve(STAGING).resolve(volumeId);
            Directories.deleteRecursively(staging);
            Path target = directory.resolve(VOLUMES).resolve(volumeId);
            try {
                ChainVolume.createFiles(staging, volumeId, sizeBytes, options);
                Directories.fsync(staging.getParent());
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                Directories.fsync(target.getParent());
            } catch (IOException e) {
                Directories.deleteRecursively(staging);
                throw DiskErrors.rethrow("creating volume " + volumeId, e);
            } catch (RuntimeException e) {
                Directories.deleteRecursively(staging);
                throw e;
            }
            ChainVolume volume = ChainVolume.open(target, sharedLayers(), options);
            volumes.put(volumeId, volume);
            LOG.atInfo().setMessage("volume created").addKeyValue("volume", volumeId).addKeyValue("sizeBytes", sizeBytes).log();
            return volume;
        } finally {
            control.unlock();
        }
    }

    public Optional<Volume> volume(String volumeId) {
        return Optional.ofNullable(volumes.get(volumeId));
    }

    /** Ids of the volumes, sorted. */
    public Set<String> volumeIds() {
        return new TreeSet<>(volumes.keySet());
    }

    /**
     * Deletes a volume and its data. Crash-safe: the directory is first renamed into {@code trash/}
     * (atomic), so after a crash the volume is either whole or gone; recovery empties the trash.
     */
    public void delete(String volumeId) throws IOException {
        control.lock();
        try {
            checkOpen();
            ChainVolume volume = volumes.remove(volumeId);
            if (volume == null) {
                throw new WharfException(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " is not in this pool",
                        "list the pool's volumes to see which exist");
            }
            closeViews(volumeId, null);
            volume.closeForDelete();
            Path trash = directory.resolve(TRASH).resolve(volumeId + "." + UUID.randomUUID());
            Files.move(volume.directory(), trash, StandardCopyOption.ATOMIC_MOVE);
            Directories.fsync(directory.resolve(VOLUMES));
            Directories.fsync(trash.getParent());
            Directories.deleteRecursively(trash);
            Directories.fsync(trash.getParent());
            removeUnreferencedSharedLayers();
            LOG.atInfo().setMessage("volume deleted").addKeyValue("volume", volumeId).log();
        } finally {
            control.unlock();
        }
    }

    /** Capacity, data held and provisioned sizes, for the node's provisioning decisions. */
    public PoolUsage usage() throws IOException {
        long capacity = config.capacityBytes();
        if (capacity == 0) {
            capacity = Math.max(0, Files.getFileStore(directory).getTotalSpace() - config.reserveBytes());
        }
        long used = 0;
        long provisioned = 0;
        Map<UUID, Long> shared = new HashMap<>();
        for (ChainVolume volume : volumes.values()) {
            used += volume.allocatedBytes();
            provisioned += volume.sizeBytes();
            volume.metadata().layerTable().forEach((layer, entry) -> {
                if (entry.shared()) {
                    shared.put(layer, entry.dataBlocks());
                }
            });
        }
        for (long blocks : shared.values()) {
            used += blocks * LayerFile.BLOCK_BYTES;
        }
        return new PoolUsage(capacity, used, provisioned);
    }

    /** Flushes and checkpoints every volume, then releases the directory lock. */
    @Override
    public void close() throws IOException {
        control.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            for (SnapshotVolume view : List.copyOf(views)) {
                try {
                    view.close();
                } catch (IOException e) {
                    failure = e;
                }
            }
            for (ChainVolume volume : volumes.values()) {
                try {
                    volume.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            volumes.clear();
            LOG.atInfo().setMessage("pool closed").addKeyValue("directory", directory).addKeyValue("clean", failure == null).log();
            try {
                lock.release();
                lockChannel.close();
            } finally {
                OPEN_IN_THIS_JVM.remove(directory);
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            control.unlock();
        }
    }

    // --- snapshots, clones, revert ---

    /**
     * Takes snapshot {@code snapshotId} of a volume: O(1) in time and space. Every write completed
     * before the call is in the snapshot. Crash-safe: after a crash the snapshot exists only if
     * {@code volume.meta} naming it was committed, and then holds every write completed before the
     * call.
     *
     * @throws WharfException VOLUME_NOT_FOUND; INVALID_NAME; VOLUME_EXISTS when the id is taken;
     *                        INVALID_ARGUMENT beyond {@value ChainVolume#MAX_SNAPSHOTS} snapshots or
     *                        {@value ChainVolume#MAX_DEPTH} layers from base to head
     */
    public SnapshotInfo snapshot(String volumeId, String snapshotId) throws IOException {
        validateSnapshotId(snapshotId);
        control.lock();
        try {
            checkOpen();
            ChainVolume volume = require(volumeId);
            volume.snapshot(snapshotId);
            VolumeMetadata.Snapshot snapshot = volume.snapshotRecord(snapshotId);
            VolumeMetadata.Layer layer = volume.metadata().layerTable().get(snapshot.layer());
            LOG.atInfo().setMessage("snapshot created").addKeyValue("volume", volumeId).addKeyValue("snapshot", snapshotId)
                    .addKeyValue("layer", snapshot.layer()).log();
            return new SnapshotInfo(snapshotId, snapshot.order(), snapshot.sizeBytes(),
                    layer.dataBlocks() * LayerFile.BLOCK_BYTES, 0, false);
        } finally {
            control.unlock();
        }
    }

    /** The volume's snapshots in creation order, with their space (costs reading the layers' maps). */
    public List<SnapshotInfo> snapshots(String volumeId) throws IOException {
        control.lock();
        try {
            checkOpen();
            return require(volumeId).snapshots(usedByOtherVolumes(volumeId));
        } finally {
            control.unlock();
        }
    }

    /** Where the volume's data sits: head, each snapshot's exclusive part, and shared (costs reading the layers' maps). */
    public VolumeSpace space(String volumeId) throws IOException {
        control.lock();
        try {
            checkOpen();
            ChainVolume volume = require(volumeId);
            return volume.space(usedByOtherVolumes(volumeId));
        } finally {
            control.unlock();
        }
    }

    /**
     * What changed between two snapshots of a volume, for incremental copies (backups): runs over
     * snapshot {@code snapshotId}'s size, "allocated" where blocks may differ from snapshot
     * {@code baseSnapshotId}; with a null base, where the snapshot holds data or zeros anything
     * below. Reads the layers' maps, not their data.
     *
     * @throws WharfException VOLUME_NOT_FOUND; NOT_FOUND for a missing snapshot; INVALID_ARGUMENT
     *                        when the base is not an earlier snapshot in the snapshot's history
     */
    public void changedBlocks(String volumeId, String baseSnapshotId, String snapshotId, ExtentSink sink) throws IOException {
        ChainVolume volume;
        control.lock();
        try {
            checkOpen();
            volume = require(volumeId);
        } finally {
            control.unlock();
        }
        volume.changedBlocks(baseSnapshotId, snapshotId, sink);
    }

    /**
     * A read-only view of a snapshot; close it when done (deleting the snapshot or its volume, or
     * closing the pool, closes it too).
     */
    public SnapshotVolume openSnapshot(String volumeId, String snapshotId) throws IOException {
        control.lock();
        try {
            checkOpen();
            SnapshotVolume view = require(volumeId).openSnapshot(snapshotId);
            views.add(view);
            view.onClose(() -> views.remove(view));
            return view;
        } finally {
            control.unlock();
        }
    }

    /**
     * Deletes a snapshot; the volume, its other snapshots and clones read exactly as before. Space
     * only this snapshot held goes back. Crash-safe: {@code volume.meta} is the commit point.
     */
    public void deleteSnapshot(String volumeId, String snapshotId) throws IOException {
        control.lock();
        try {
            checkOpen();
            ChainVolume volume = require(volumeId);
            volume.snapshotRecord(snapshotId); // NOT_FOUND before closing views
            closeViews(volumeId, snapshotId);
            volume.deleteSnapshot(snapshotId, usedByOtherVolumes(volumeId));
            removeUnreferencedSharedLayers();
            LOG.atInfo().setMessage("snapshot deleted").addKeyValue("volume", volumeId).addKeyValue("snapshot", snapshotId).log();
        } finally {
            control.unlock();
        }
    }

    /**
     * Discards the volume's current content (the head) and continues from the snapshot; later
     * snapshots stay. The volume keeps its current size. Callers quiesce I/O around it (the
     * content changes under any reader). Crash-safe: {@code volume.meta} is the commit point.
     */
    public void revert(String volumeId, String snapshotId) throws IOException {
        control.lock();
        try {
            checkOpen();
            require(volumeId).revert(snapshotId);
            removeUnreferencedSharedLayers();
            LOG.atInfo().setMessage("volume reverted").addKeyValue("volume", volumeId).addKeyValue("snapshot", snapshotId).log();
        } finally {
            control.unlock();
        }
    }

    /**
     * Creates volume {@code newVolumeId} holding the content of a snapshot of {@code sourceVolumeId}
     * (or, with a null {@code snapshotId}, its current content: a hidden snapshot is taken first). O(1)
     * on disk, no data copied: the new volume's head stacks on the source's layers, which become
     * shared (reference-counted by the volumes that list them). Source and clone are independent
     * afterwards; deleting either, or the snapshot, keeps the other intact. Crash-safe: the clone
     * exists after a crash only if its directory was renamed into {@code volumes/}.
     */
    public Volume clone(String sourceVolumeId, String snapshotId, String newVolumeId) throws IOException {
        validateId(newVolumeId);
        control.lock();
        try {
            checkOpen();
            ChainVolume source = require(sourceVolumeId);
            if (volumes.containsKey(newVolumeId)) {
                throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume " + newVolumeId + " already exists in this pool",
                        "choose another id or delete the existing volume first");
            }
            UUID base;
            long size;
            if (snapshotId == null) {
                size = source.sizeBytes();
                base = source.snapshot(null);
            } else {
                VolumeMetadata.Snapshot snapshot = source.snapshotRecord(snapshotId);
                base = snapshot.layer();
                size = snapshot.sizeBytes();
            }
            ChainVolume.checkDepth(source.metadata().path(base).size() + 1);
            Map<UUID, VolumeMetadata.Layer> shared = source.share(base);
            Path staging = directory.resolve(STAGING).resolve(newVolumeId);
            Directories.deleteRecursively(staging);
            Path target = directory.resolve(VOLUMES).resolve(newVolumeId);
            try {
                ChainVolume.createCloneFiles(staging, newVolumeId, size, base, shared, options);
                Directories.fsync(staging.getParent());
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                Directories.fsync(target.getParent());
            } catch (IOException e) {
                Directories.deleteRecursively(staging);
                throw DiskErrors.rethrow("creating clone " + newVolumeId, e);
            } catch (RuntimeException e) {
                Directories.deleteRecursively(staging);
                throw e;
            }
            ChainVolume clone = ChainVolume.open(target, sharedLayers(), options);
            volumes.put(newVolumeId, clone);
            LOG.atInfo().setMessage("volume cloned").addKeyValue("volume", newVolumeId).addKeyValue("source", sourceVolumeId)
                    .addKeyValue("snapshot", snapshotId).addKeyValue("sizeBytes", size).log();
            return clone;
        } finally {
            control.unlock();
        }
    }

    private ChainVolume require(String volumeId) {
        ChainVolume volume = volumes.get(volumeId);
        if (volume == null) {
            throw new WharfException(ErrorCode.VOLUME_NOT_FOUND, "volume " + volumeId + " is not in this pool",
                    "list the pool's volumes to see which exist");
        }
        return volume;
    }

    /** Whether a layer is listed by a volume other than {@code volumeId} (reference counting). */
    private Predicate<UUID> usedByOtherVolumes(String volumeId) {
        return layer -> {
            for (ChainVolume volume : volumes.values()) {
                if (!volume.id().equals(volumeId) && volume.metadata().layerTable().containsKey(layer)) {
                    return true;
                }
            }
            return false;
        };
    }

    private Path sharedLayers() {
        return directory.resolve(LAYERS);
    }

    /** Closes the views of a volume's snapshot ({@code snapshotId} null: of all its snapshots). */
    private void closeViews(String volumeId, String snapshotId) throws IOException {
        for (SnapshotVolume view : List.copyOf(views)) {
            if (view.id().equals(volumeId) && (snapshotId == null || view.snapshotId().equals(snapshotId))) {
                view.close();
            }
        }
    }

    /**
     * Reference counting of shared layers: a file in {@code layers/} that no volume's metadata lists
     * is garbage (its last user was deleted, or a clone crashed before its commit point).
     */
    private void removeUnreferencedSharedLayers() throws IOException {
        Set<UUID> referenced = new HashSet<>();
        for (ChainVolume volume : volumes.values()) {
            volume.metadata().layerTable().forEach((layer, entry) -> {
                if (entry.shared()) {
                    referenced.add(layer);
                }
            });
        }
        boolean removed = false;
        try (var entries = Files.newDirectoryStream(sharedLayers())) {
            for (Path entry : entries) {
                UUID layer = ChainVolume.layerIdOf(entry);
                if (layer == null) {
                    throw invalid("unexpected entry " + entry, null);
                }
                if (!referenced.contains(layer)) {
                    Files.deleteIfExists(entry);
                    removed = true;
                }
            }
        }
        if (removed) {
            Directories.fsync(sharedLayers());
        }
    }

    private static void validateSnapshotId(String snapshotId) {
        if (snapshotId == null || !ChainVolume.SNAPSHOT_ID.matcher(snapshotId).matches()) {
            throw new WharfException(ErrorCode.INVALID_NAME, "snapshot id '" + snapshotId + "' is not valid",
                    "snapshot ids are 1 to 128 lower-case letters, digits and '-'");
        }
    }

    /** Test seam: the volume object behind the interface. */
    ChainVolume chainVolume(String volumeId) {
        return volumes.get(volumeId);
    }

    private void initialize() throws IOException {
        Path meta = directory.resolve(META_FILE);
        if (Files.exists(meta)) {
            try {
                Map<String, String> fields = ChecksummedText.decode(META_KIND, Files.readAllBytes(meta));
                if (!Integer.toString(FORMAT_VERSION).equals(fields.get("formatVersion"))) {
                    throw invalid("pool format version " + fields.get("formatVersion") + " is not supported", null);
                }
            } catch (ChecksummedText.CorruptMetadataException e) {
                throw invalid(META_FILE + " is damaged: " + e.getMessage(), e);
            }
            for (String sub : new String[] {VOLUMES, STAGING, TRASH, LAYERS}) {
                Files.createDirectories(directory.resolve(sub));
            }
            return;
        }
        // No marker: only an empty directory, or one we were initializing when we crashed, qualifies.
        try (var entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean ours = name.equals(LOCK_FILE) || name.equals(META_FILE + AtomicFile.TEMP_SUFFIX)
                        || ((name.equals(VOLUMES) || name.equals(STAGING) || name.equals(TRASH) || name.equals(LAYERS))
                            && isEmptyDirectory(entry));
                if (!ours) {
                    throw invalid("it is not empty and not a Wharf pool (found " + name + ")", null);
                }
            }
        }
        for (String sub : new String[] {VOLUMES, STAGING, TRASH, LAYERS}) {
            Files.createDirectories(directory.resolve(sub));
        }
        Directories.fsync(directory);
        AtomicFile.write(meta, ChecksummedText.encode(META_KIND,
                Map.of("formatVersion", Integer.toString(FORMAT_VERSION))));
    }

    private void recover() throws IOException {
        AtomicFile.removeLeftovers(directory);
        emptyDirectory(directory.resolve(STAGING));
        emptyDirectory(directory.resolve(TRASH));
        try (var entries = Files.newDirectoryStream(directory.resolve(VOLUMES))) {
            for (Path entry : entries) {
                String id = entry.getFileName().toString();
                if (!Files.isDirectory(entry) || !VOLUME_ID.matcher(id).matches()) {
                    throw invalid("unexpected entry " + entry, null);
                }
                ChainVolume volume = ChainVolume.open(entry, sharedLayers(), options);
                if (!volume.id().equals(id)) {
                    volume.close();
                    throw invalid("volume directory " + id + " holds volume " + volume.id(), null);
                }
                volumes.put(id, volume);
            }
        }
        AtomicFile.removeLeftovers(sharedLayers());
        removeUnreferencedSharedLayers();
    }

    private static void emptyDirectory(Path parent) throws IOException {
        boolean removed = false;
        try (var entries = Files.newDirectoryStream(parent)) {
            for (Path entry : entries) {
                Directories.deleteRecursively(entry);
                removed = true;
            }
        }
        if (removed) {
            Directories.fsync(parent);
        }
    }

    private static boolean isEmptyDirectory(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (var entries = Files.newDirectoryStream(path)) {
            return !entries.iterator().hasNext();
        }
    }

    private void closeVolumesQuietly(Throwable failure) {
        for (ChainVolume volume : volumes.values()) {
            try {
                volume.close();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        volumes.clear();
    }

    private WharfException invalid(String why, Throwable cause) {
        return new WharfException(ErrorCode.DATA_DIR_INVALID, "pool directory " + directory + ": " + why,
                "point the node at an empty directory or at an existing Wharf pool", cause);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("pool " + directory + " is closed");
        }
    }

    private static void validateId(String volumeId) {
        if (volumeId == null || !VOLUME_ID.matcher(volumeId).matches()) {
            throw new WharfException(ErrorCode.INVALID_NAME, "volume id '" + volumeId + "' is not valid",
                    "volume ids are 1 to 128 lower-case letters, digits and '-'");
        }
    }
}
