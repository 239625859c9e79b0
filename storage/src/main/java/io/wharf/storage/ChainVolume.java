package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.index.BlockEntry;
import io.wharf.storage.index.ExtentIndex;
import io.wharf.storage.layer.CommitObserver;
import io.wharf.storage.layer.HeadLayer;
import io.wharf.storage.layer.LayerChain;
import io.wharf.storage.layer.LayerFile;
import io.wharf.storage.layer.LayerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Volume} backed by a {@link LayerChain}: splits byte ranges into partial edge blocks
 * (read-modify-write) and runs of whole blocks, and keeps the volume's metadata file.
 */
final class ChainVolume implements Volume {
    /** Largest volume: 2^52 bytes (4 PiB); the filesystem may allow less (ext4: 16 TiB per file). */
    static final long MAX_SIZE_BYTES = 1L << 52;
    private static final int BLOCK = LayerFile.BLOCK_BYTES;
    private static final int SHIFT = LayerFile.BLOCK_SHIFT;
    private static final ByteBuffer ZERO_BLOCK = ByteBuffer.allocate(BLOCK).asReadOnlyBuffer();

    private final Path directory;
    private final LayerChain chain;
    private final ReentrantLock control = new ReentrantLock();
    private volatile VolumeMetadata metadata;
    private volatile long sizeBytes;
    private volatile boolean closed;

    private ChainVolume(Path directory, VolumeMetadata metadata, LayerChain chain) {
        this.directory = directory;
        this.metadata = metadata;
        this.sizeBytes = metadata.sizeBytes();
        this.chain = chain;
    }

    /** Creates the files of a new volume in {@code directory} (which must not exist). */
    static void createFiles(Path directory, String id, long sizeBytes, LayerOptions options) throws IOException {
        Files.createDirectory(directory);
        UUID head = UUID.randomUUID();
        LayerChain.createLayer(directory, head, options);
        new VolumeMetadata(id, sizeBytes, List.of(head)).write(directory);
    }

    static ChainVolume open(Path directory, LayerOptions options) throws IOException {
        AtomicFile.removeLeftovers(directory);
        VolumeMetadata metadata = VolumeMetadata.read(directory);
        LayerChain chain = LayerChain.open(directory, metadata.layers(), blocks(metadata.sizeBytes()), options);
        return new ChainVolume(directory, metadata, chain);
    }

    static void validateSize(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes > MAX_SIZE_BYTES) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "volume size " + sizeBytes + " is out of range",
                    "give a size between 1 byte and 4 PiB");
        }
    }

    @Override
    public String id() {
        return metadata.id();
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        checkOpen();
        chain.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        checkRange(offset, src.remaining());
        checkOpen();
        HeadLayer head = chain.head();
        long position = offset;
        while (position < end) {
            int inner = (int) (position & (BLOCK - 1));
            int length;
            if (inner != 0 || end - position < BLOCK) {
                length = (int) Math.min(BLOCK - inner, end - position);
                head.writePartial(position >>> SHIFT, inner, src.slice(src.position(), length));
            } else {
                length = (int) Math.min((end - position) >>> SHIFT, HeadLayer.MAX_RUN_BLOCKS) << SHIFT;
                head.writeBlocks(position >>> SHIFT, src.slice(src.position(), length));
            }
            src.position(src.position() + length);
            position += length;
        }
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
        chain.head().flush();
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        checkRange(offset, length);
        checkOpen();
        zeroRange(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole) throws IOException {
        checkRange(offset, length);
        checkOpen();
        zeroRange(offset, length, mayPunchHole);
    }

    private void zeroRange(long offset, long length, boolean punch) throws IOException {
        HeadLayer head = chain.head();
        long end = offset + length;
        long position = offset;
        while (position < end) {
            int inner = (int) (position & (BLOCK - 1));
            if (inner != 0 || end - position < BLOCK) {
                int part = (int) Math.min(BLOCK - inner, end - position);
                if (punch) {
                    head.zeroPartial(position >>> SHIFT, inner, part);
                } else {
                    head.writePartial(position >>> SHIFT, inner, ZERO_BLOCK.slice(0, part));
                }
                position += part;
            } else {
                long blocks = (end - position) >>> SHIFT;
                if (punch) {
                    head.discardBlocks(position >>> SHIFT, blocks);
                } else {
                    head.writeZeroBlocks(position >>> SHIFT, blocks);
                }
                position += blocks << SHIFT;
            }
        }
    }

    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        checkRange(offset, length);
        checkOpen();
        if (length == 0) {
            return;
        }
        ExtentIndex index = chain.index();
        long end = offset + length;
        long lastBlock = (end - 1) >>> SHIFT;
        boolean allocated = BlockEntry.hasData(index.get(offset >>> SHIFT));
        long runStart = offset;
        long block = (offset >>> SHIFT) + 1;
        while (block <= lastBlock) {
            if (!allocated) {
                block = index.nextAllocatedChunkStart(block, lastBlock + 1);
                if (block > lastBlock) {
                    break;
                }
            }
            boolean here = BlockEntry.hasData(index.get(block));
            if (here != allocated) {
                long boundary = block << SHIFT;
                if (!sink.extent(boundary - runStart, allocated)) {
                    return;
                }
                runStart = boundary;
                allocated = here;
            }
            block++;
        }
        sink.extent(end - runStart, allocated);
    }

    @Override
    public void resize(long newSizeBytes) throws IOException {
        control.lock();
        try {
            checkOpen();
            long current = sizeBytes;
            if (newSizeBytes < current) {
                throw new WharfException(ErrorCode.SHRINK_NOT_SUPPORTED, "volume " + id() + " is " + current
                        + " bytes; it cannot shrink to " + newSizeBytes, "volumes only grow; copy the data to a smaller volume");
            }
            if (newSizeBytes == current) {
                return;
            }
            validateSize(newSizeBytes);
            VolumeMetadata next = metadata.withSize(newSizeBytes);
            next.write(directory);
            chain.grow(blocks(newSizeBytes));
            metadata = next;
            sizeBytes = newSizeBytes;
        } finally {
            control.unlock();
        }
    }

    @Override
    public long allocatedBytes() {
        return chain.dataBlocks() << SHIFT;
    }

    /** Clean close: flush and checkpoint. Later calls fail. */
    void close() throws IOException {
        control.lock();
        try {
            if (!closed) {
                closed = true;
                chain.close();
            }
        } finally {
            control.unlock();
        }
    }

    /** Close before deletion: no checkpoint. */
    void closeForDelete() throws IOException {
        control.lock();
        try {
            if (!closed) {
                closed = true;
                chain.closeDiscarding();
            }
        } finally {
            control.unlock();
        }
    }

    Path directory() {
        return directory;
    }

    LayerChain chain() {
        return chain;
    }

    /** Test seam: see {@link CommitObserver}. */
    void observeCommits(CommitObserver observer) {
        chain.head().observeCommits(observer);
    }

    private void checkRange(long offset, long length) {
        long size = sizeBytes;
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") is outside volume " + id()
                    + " of " + size + " bytes");
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("volume " + id() + " is closed (deleted, or its pool was closed)");
        }
    }

    static long blocks(long sizeBytes) {
        return (sizeBytes + BLOCK - 1) >>> SHIFT;
    }
}
