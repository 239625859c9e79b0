package io.wharf.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A file (or block device) as a {@link VolumeSource} and {@link RestoreDestination}: for the CLI's
 * "back up / restore an image file", the benchmark and tests. Reads past the end of the file read
 * zeros; it tracks no changes ({@link #changedSince} is empty: every backup reads the whole file).
 * {@link #discard} deletes the file.
 */
public final class FileVolume implements VolumeSource, RestoreDestination, AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long sizeBytes;

    private FileVolume(Path path, FileChannel channel, long sizeBytes) {
        this.path = path;
        this.channel = channel;
        this.sizeBytes = sizeBytes;
    }

    /** Opens an existing file to read. */
    public static FileVolume openForReading(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        return new FileVolume(path, channel, channel.size());
    }

    /** Creates a new sparse file of {@code sizeBytes} (it must not exist) to restore into. */
    public static FileVolume create(Path path, long sizeBytes) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (sizeBytes > 0) {
            channel.write(ByteBuffer.allocate(1), sizeBytes - 1); // sparse: extends the file without data
        }
        return new FileVolume(path, channel, sizeBytes);
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long position = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            position += n;
        }
    }

    @Override
    public Optional<List<ByteRange>> changedSince(BackupInfo base) {
        return Optional.empty();
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        long position = offset;
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(true);
    }

    @Override
    public void discard() throws IOException {
        channel.close();
        Files.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
