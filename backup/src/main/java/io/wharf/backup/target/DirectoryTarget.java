package io.wharf.backup.target;

import io.wharf.backup.BackupError;
import io.wharf.backup.BackupException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A target in a local directory (an NFS mount, a second disk). An object is the file {@code
 * root/<key>}; a put writes {@code .<name>.<random>.tmp} beside it, fsyncs it, renames it over the
 * object and fsyncs the directory, so after a crash the object is the old or the new content. Temp
 * files (names starting with '.') are never listed; a crash may leave one behind, which nothing reads.
 */
public final class DirectoryTarget implements BackupTarget {
    private final Path root;

    public DirectoryTarget(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public void probe() {
        if (!Files.isDirectory(root)) {
            throw new BackupException(BackupError.TARGET_NOT_FOUND, "backup directory " + root + " does not exist",
                    "create it (mkdir -p " + root + ") or give another directory");
        }
        if (!Files.isWritable(root)) {
            throw new BackupException(BackupError.TARGET_ACCESS_DENIED, "backup directory " + root + " is not writable",
                    "give the node's user write permission on it");
        }
    }

    @Override
    public void put(String key, byte[] data) {
        Path target = path(key);
        Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(target.getParent());
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the put already failed; a leftover temp file is never read
            }
            throw failure("writing", key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(Files.readAllBytes(path(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("reading", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path(key), BasicFileAttributes.class);
            return attributes.isRegularFile()
                    ? Optional.of(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()))
                    : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("checking", key, e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            throw failure("deleting", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        // walk the deepest directory the prefix names, then filter by the full prefix
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<ObjectInfo> objects = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return objects;
        }
        try (Stream<Path> files = Files.walk(start)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue; // deleted while listing
                }
                if (!attributes.isRegularFile()) {
                    continue;
                }
                String key = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (key.startsWith(prefix)) {
                    objects.add(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            IOException cause = e instanceof IOException io ? io : ((java.io.UncheckedIOException) e).getCause();
            if (cause instanceof NoSuchFileException) {
                return list(prefix); // a directory vanished under the walk: list again
            }
            throw failure("listing", prefix.isEmpty() ? "/" : prefix, cause);
        }
        objects.sort(Comparator.comparing(ObjectInfo::key));
        return objects;
    }

    @Override
    public String describe() {
        return "directory " + root;
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return describe();
    }

    private Path path(String key) {
        return root.resolve(BackupTarget.requireValidKey(key));
    }

    private static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private BackupException failure(String action, String key, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new BackupException(BackupError.TARGET_ACCESS_DENIED,
                    action + " " + key + " in backup directory " + root + ": permission denied",
                    "give the node's user read and write permission on the directory", e);
        }
        if (e instanceof NoSuchFileException && !Files.isDirectory(root)) {
            return new BackupException(BackupError.TARGET_NOT_FOUND, "backup directory " + root + " does not exist",
                    "create it or give another directory", e);
        }
        String detail = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getClass().getSimpleName();
        return new BackupException(BackupError.TARGET_IO, action + " " + key + " in backup directory " + root + " failed: " + detail,
                "check the directory's file system (space, mount, permissions)", e);
    }
}
