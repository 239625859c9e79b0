package io.wharf.cli.mount;

import io.wharf.api.ApiJson;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The mounts of this machine: one private directory per mount under the state root, holding
 * {@code state.json} ({@link MountRecord}), and for nbdfuse its FUSE mount point, pid file and
 * log. A lock file serialises mount and unmount across processes.
 */
final class MountRegistry {
    static final String STATE_FILE = "state.json";
    /**
     * A file lock is held per process, so threads of one process (the CSI node plugin mounts
     * several volumes at once) take this lock first; the file lock then orders processes.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock> IN_PROCESS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Path root;

    MountRegistry(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path directory(MountRecord record) {
        return root.resolve(record.id());
    }

    /** The registry lock; closing releases it. */
    interface Lock extends AutoCloseable {
        @Override
        void close();
    }

    /** Holds the registry lock until closed. */
    Lock lock() {
        java.util.concurrent.locks.ReentrantLock local = IN_PROCESS.computeIfAbsent(root.toAbsolutePath().normalize(),
                _ -> new java.util.concurrent.locks.ReentrantLock());
        local.lock();
        try {
            createPrivateDirectories(root);
            FileChannel channel = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.lock();
            return () -> {
                try {
                    lock.release();
                    channel.close();
                } catch (IOException e) {
                    throw ioError("cannot unlock " + root, e);
                } finally {
                    local.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            local.unlock();
            if (e instanceof IOException io) {
                throw ioError("cannot lock " + root, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Creates the mount's directory and writes its first record. */
    void create(MountRecord record) {
        try {
            Files.createDirectory(directory(record), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw ioError("cannot create " + directory(record), e);
        }
        save(record);
    }

    /** Replaces the record atomically, so a crash leaves the old or the new one, never a mix. */
    void save(MountRecord record) {
        Path directory = directory(record);
        Path temporary = directory.resolve(STATE_FILE + ".tmp");
        try {
            Files.write(temporary, ApiJson.prettyWriter().writeValueAsBytes(record));
            Files.move(temporary, directory.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw ioError("cannot write " + directory.resolve(STATE_FILE), e);
        }
    }

    void delete(MountRecord record) {
        Path directory = directory(record);
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw ioError("cannot remove " + directory, e);
        }
    }

    List<MountRecord> all() {
        List<MountRecord> records = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return records;
        }
        try (DirectoryStream<Path> directories = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path directory : directories) {
                Path state = directory.resolve(STATE_FILE);
                if (Files.isRegularFile(state)) {
                    records.add(ApiJson.reader().readValue(state.toFile(), MountRecord.class));
                }
            }
        } catch (IOException e) {
            throw ioError("cannot read the mounts in " + root, e);
        }
        records.sort(Comparator.comparing(MountRecord::path));
        return records;
    }

    Optional<MountRecord> byPath(Path path) {
        return all().stream().filter(r -> Path.of(r.path()).equals(path)).findFirst();
    }

    Optional<MountRecord> byVolume(String volume) {
        return all().stream().filter(r -> r.volume().equals(volume)).findFirst();
    }

    private static void createPrivateDirectories(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
    }

    private static WharfException ioError(String message, IOException e) {
        return new WharfException(ErrorCode.IO_ERROR, message + ": " + e.getMessage(),
                "check that the disk holding it is writable and not full", e);
    }
}
