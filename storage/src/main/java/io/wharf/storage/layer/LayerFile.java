package io.wharf.storage.layer;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.DiskErrors;
import io.wharf.storage.disk.NativeFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * One layer's sparse file: {@link LayerHeader} at 0, the journal ring at {@code journalOffset},
 * and from {@code dataOffset} (64 MiB, a multiple of 4 KiB) the volume's bytes direct-mapped:
 * volume offset {@code v} lives at file offset {@code dataOffset + v}. Blocks the layer does not
 * hold are holes.
 *
 * <p>I/O is positional ({@code pread}/{@code pwrite} through one {@link FileChannel}, safe for
 * concurrent use); holes are punched through a second descriptor ({@link NativeFile}).
 */
public final class LayerFile implements AutoCloseable {
    public static final int BLOCK_SHIFT = 12;
    public static final int BLOCK_BYTES = 1 << BLOCK_SHIFT;

    private final Path path;
    private final FileChannel channel;
    private final NativeFile nativeFile;
    private final LayerHeader header;

    private LayerFile(Path path, FileChannel channel, NativeFile nativeFile, LayerHeader header) {
        this.path = path;
        this.channel = channel;
        this.nativeFile = nativeFile;
        this.header = header;
    }

    /** Creates a new, empty layer file (fails if it exists) and makes its header durable. */
    public static LayerFile create(Path path, UUID layerId, LayerOptions options) throws IOException {
        LayerHeader header = new LayerHeader(layerId, BLOCK_BYTES, LayerOptions.JOURNAL_OFFSET, options.journalBytes(),
                LayerOptions.METADATA_REGION_BYTES);
        FileChannel channel = options.opener().open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer encoded = header.encode();
            long position = 0;
            while (encoded.hasRemaining()) {
                position += channel.write(encoded, position);
            }
            channel.force(true);
            return new LayerFile(path, channel, openNative(path, options), header);
        } catch (IOException e) {
            channel.close();
            throw DiskErrors.rethrow("creating layer " + path.getFileName(), e);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public static LayerFile open(Path path, LayerOptions options) throws IOException {
        FileChannel channel = options.opener().open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer raw = ByteBuffer.allocate(LayerHeader.BYTES);
            long position = 0;
            while (raw.hasRemaining()) {
                int n = channel.read(raw, position);
                if (n < 0) {
                    break;
                }
                position += n;
            }
            LayerHeader header = raw.hasRemaining() ? null : LayerHeader.decode(raw);
            if (header == null || header.blockBytes() != BLOCK_BYTES || header.dataOffset() % BLOCK_BYTES != 0
                    || header.journalOffset() + header.journalBytes() > header.dataOffset()) {
                throw new WharfException(ErrorCode.DATA_DIR_INVALID, "layer file " + path + " has no valid header",
                        "the pool is damaged; restore this replica from another replica or a backup");
            }
            return new LayerFile(path, channel, openNative(path, options), header);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static NativeFile openNative(Path path, LayerOptions options) throws IOException {
        return options.punchHoles() ? NativeFile.open(path) : NativeFile.withoutNativeCalls(path);
    }

    public LayerHeader header() {
        return header;
    }

    public Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    /** Fills {@code dst.remaining()} bytes of volume data from {@code volumeOffset}; past EOF reads zeros. */
    public void readData(long volumeOffset, ByteBuffer dst) throws IOException {
        long position = header.dataOffset() + volumeOffset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                ZeroBlocks.fill(dst, dst.remaining());
                return;
            }
            position += n;
        }
    }

    /** Writes all of {@code src} at {@code volumeOffset}; ENOSPC becomes NO_SPACE. */
    public void writeData(long volumeOffset, ByteBuffer src) throws IOException {
        long position = header.dataOffset() + volumeOffset;
        try {
            while (src.hasRemaining()) {
                position += channel.write(src, position);
            }
        } catch (IOException e) {
            throw DiskErrors.rethrow("writing " + path.getFileName(), e);
        }
    }

    /**
     * Makes {@code [volumeOffset, volumeOffset + length)} read zeros: punches a hole, or where that is
     * not supported writes zeros (the space then stays taken on the filesystem).
     *
     * @return true when the space was given back
     */
    public boolean discardData(long volumeOffset, long length) throws IOException {
        long position = header.dataOffset() + volumeOffset;
        if (nativeFile.punchHole(position, length)) {
            return true;
        }
        while (length > 0) {
            int n = (int) Math.min(length, ZeroBlocks.BYTES);
            ByteBuffer zeros = ZeroBlocks.slice(n);
            writeData(position - header.dataOffset(), zeros);
            position += n;
            length -= n;
        }
        return false;
    }

    /** Gives back journal space that no longer matters; best effort, never writes zeros instead. */
    void releaseJournalSpace(long ringOffset, long length) {
        try {
            nativeFile.punchHole(header.journalOffset() + ringOffset, length);
        } catch (IOException | WharfException e) {
            // stale records are harmless (wrong generation); only the space stays taken
        }
    }

    /** fdatasync: every completed write to this file, data and journal alike, is durable after it. */
    public void force() throws IOException {
        channel.force(false);
    }

    /** Exposes the native descriptor for SEEK_DATA/SEEK_HOLE (tests, sparse copies). */
    public NativeFile nativeFile() {
        return nativeFile;
    }

    @Override
    public void close() throws IOException {
        try {
            nativeFile.close();
        } finally {
            channel.close();
        }
    }
}
