package io.wharf.storage.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a small file so that after a crash it holds either the old or the new content, never
 * a mix: write {@code name.tmp}, fsync it, rename it over {@code name}, fsync the directory.
 * A leftover {@code .tmp} is garbage from an interrupted replace; {@link #removeLeftovers} drops it.
 */
public final class AtomicFile {
    public static final String TEMP_SUFFIX = ".tmp";

    private AtomicFile() {}

    public static void write(Path target, byte[] content) throws IOException {
        Path temp = temp(target);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw DiskErrors.rethrow("writing " + target.getFileName(), e);
        }
        try {
            Directories.fsync(target.getParent());
        } catch (IOException e) {
            throw new DirectorySyncFailed(target, e);
        }
    }

    /**
     * True when {@code failure} came after the rename: the new content is in place but may not be
     * durable, so the caller cannot treat the old content as current either.
     */
    public static boolean replaced(Throwable failure) {
        return failure instanceof DirectorySyncFailed;
    }

    /** The rename happened but the directory could not be synced. */
    public static final class DirectorySyncFailed extends IOException {
        private static final long serialVersionUID = 1L;

        DirectorySyncFailed(Path target, IOException cause) {
            super("replaced " + target + " but could not sync its directory", cause);
        }
    }

    public static Path temp(Path target) {
        return target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
    }

    /** Deletes every {@code *.tmp} directly in {@code directory}. */
    public static void removeLeftovers(Path directory) throws IOException {
        try (var entries = Files.newDirectoryStream(directory, "*" + TEMP_SUFFIX)) {
            for (Path entry : entries) {
                Files.deleteIfExists(entry);
            }
        }
    }
}
