package io.wharf.metadata.embedded;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory: an OS file lock on {@code LOCK} inside it, which the
 * kernel drops when the process dies, so a crash never leaves a stale lock. The file holds the
 * holder's pid, for the message another process gets.
 */
final class DirectoryLock implements AutoCloseable {
    static final String NAME = "LOCK";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws WharfException {@code DATA_DIR_LOCKED} if another store, here or elsewhere, holds it */
    static DirectoryLock acquire(Path directory) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve(NAME),
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = readHolder(channel);
            channel.close();
            throw new WharfException(ErrorCode.DATA_DIR_LOCKED,
                    "metadata directory " + directory + " is in use by another store (process " + holder + ")",
                    "stop the other Wharf process using this data directory (wharf down), or give this one its own data directory");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new DirectoryLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        return text.isEmpty() ? "unknown" : text;
    }
}
