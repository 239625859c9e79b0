package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.ChecksummedText;
import io.wharf.storage.disk.Directories;
import io.wharf.storage.disk.DiskErrors;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
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
            ChainVolume volume = ChainVolume.open(target, options);
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
            volume.closeForDelete();
            Path trash = directory.resolve(TRASH).resolve(volumeId + "." + UUID.randomUUID());
            Files.move(volume.directory(), trash, StandardCopyOption.ATOMIC_MOVE);
            Directories.fsync(directory.resolve(VOLUMES));
            Directories.fsync(trash.getParent());
            Directories.deleteRecursively(trash);
            Directories.fsync(trash.getParent());
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
        for (ChainVolume volume : volumes.values()) {
            used += volume.allocatedBytes();
            provisioned += volume.sizeBytes();
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
            for (String sub : new String[] {VOLUMES, STAGING, TRASH}) {
                Files.createDirectories(directory.resolve(sub));
            }
            return;
        }
        // No marker: only an empty directory, or one we were initializing when we crashed, qualifies.
        try (var entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean ours = name.equals(LOCK_FILE) || name.equals(META_FILE + AtomicFile.TEMP_SUFFIX)
                        || ((name.equals(VOLUMES) || name.equals(STAGING) || name.equals(TRASH)) && isEmptyDirectory(entry));
                if (!ours) {
                    throw invalid("it is not empty and not a Wharf pool (found " + name + ")", null);
                }
            }
        }
        for (String sub : new String[] {VOLUMES, STAGING, TRASH}) {
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
                ChainVolume volume = ChainVolume.open(entry, options);
                if (!volume.id().equals(id)) {
                    volume.close();
                    throw invalid("volume directory " + id + " holds volume " + volume.id(), null);
                }
                volumes.put(id, volume);
            }
        }
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
