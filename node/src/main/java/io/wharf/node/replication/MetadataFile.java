package io.wharf.node.replication;

import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import io.wharf.replication.sync.replica.ReplicaStateStore;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.Directories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The file holding one volume's {@link ReplicaMetadata} on this node ({@code <volume id>.replica} in
 * the host's state directory; the encoding carries its own CRC32C), replaced atomically with
 * {@link AtomicFile}. One per volume id for the life of the host.
 *
 * <p>A generation, raised when the volume is forgotten (deleted here), keeps a save that was
 * already under way for the deleted volume from bringing the file back: every read, write and delete
 * holds the lock, and a save writes only if the generation is still the one its replica was opened
 * with.
 */
final class MetadataFile {
    static final String SUFFIX = ".replica";

    private final Path path;
    private final ReentrantLock lock = new ReentrantLock();
    private long generation;

    MetadataFile(Path directory, String volumeId) {
        this.path = directory.resolve(volumeId + SUFFIX);
    }

    Path path() {
        return path;
    }

    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Under the lock. */
    long generation() {
        return generation;
    }

    /** Under the lock: the file's bytes, or empty when there is none. */
    Optional<byte[]> readLocked() throws IOException {
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Under the lock: replaces the file, durably (directory created first if needed). */
    void writeLocked(byte[] content) throws IOException {
        Files.createDirectories(path.getParent());
        AtomicFile.write(path, content);
    }

    /** Deletes the file (durably) and raises the generation: saves of earlier replicas write nothing from now on. */
    void forget() throws IOException {
        lock.lock();
        try {
            generation++;
            if (Files.deleteIfExists(path)) {
                Directories.fsync(path.getParent());
            }
        } finally {
            lock.unlock();
        }
    }

    boolean exists() {
        return Files.exists(path);
    }

    /** The {@link ReplicaStateStore} of a replica opened at {@code openedGeneration}: saves on storage threads. */
    ReplicaStateStore store(String volumeId, long openedGeneration, StorageCalls calls) {
        return (ReplicaMetadata metadata, Completion<Void> done) -> calls.run("save replica metadata of " + volumeId, () -> {
            byte[] content = metadata.encode();
            lock.lock();
            try {
                if (generation != openedGeneration) {
                    throw new IOException("volume " + volumeId + " was deleted on this node");
                }
                writeLocked(content);
            } finally {
                lock.unlock();
            }
            return null;
        }, done);
    }
}
