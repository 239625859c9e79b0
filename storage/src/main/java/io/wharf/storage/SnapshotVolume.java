package io.wharf.storage;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.layer.LayerChain;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A read-only view of one snapshot ({@link Pool#openSnapshot}): reads return the volume's content
 * as of the snapshot, whatever the volume did afterwards. It has its own merged index and file
 * descriptors, so it keeps reading correctly while snapshots around it are deleted; close it to
 * release them. Every change (write, trim, zeroing, resize) throws {@link ErrorCode#INVALID_ARGUMENT}.
 * Deleting its snapshot, its volume, or closing the pool closes the view.
 */
public final class SnapshotVolume implements Volume, AutoCloseable {
    private final String volumeId;
    private final String snapshotId;
    private final long sizeBytes;
    private final LayerChain chain;
    private volatile boolean closed;
    private volatile Runnable onClose = () -> { };

    SnapshotVolume(String volumeId, String snapshotId, long sizeBytes, LayerChain chain) {
        this.volumeId = volumeId;
        this.snapshotId = snapshotId;
        this.sizeBytes = sizeBytes;
        this.chain = chain;
    }

    /** The volume's id (the view reads that volume's data). */
    @Override
    public String id() {
        return volumeId;
    }

    public String snapshotId() {
        return snapshotId;
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
    public void write(long offset, ByteBuffer src) {
        throw readOnly("write");
    }

    /** Nothing to flush: the view never changes. */
    @Override
    public void flush() throws IOException {
        checkOpen();
    }

    @Override
    public void trim(long offset, long length) {
        throw readOnly("trim");
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole) {
        throw readOnly("zero");
    }

    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        checkRange(offset, length);
        checkOpen();
        ChainVolume.extents(chain.index(), offset, length, sink);
    }

    @Override
    public void resize(long newSizeBytes) {
        throw readOnly("resize");
    }

    /** Data bytes held by the layers the view reads (shared with the volume and other snapshots). */
    @Override
    public long allocatedBytes() {
        long blocks = 0;
        for (int ordinal = 1; ordinal <= chain.layerCount(); ordinal++) {
            blocks += chain.layerDataBlocks(ordinal);
        }
        return blocks << 12;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            chain.close();
        } finally {
            onClose.run();
        }
    }

    void onClose(Runnable action) {
        onClose = action;
    }

    private WharfException readOnly(String operation) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, "snapshot " + snapshotId + " of volume " + volumeId
                + " is read-only; " + operation + " is not allowed", "clone the snapshot to get a writable volume");
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > sizeBytes || length > sizeBytes - offset) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") is outside snapshot "
                    + snapshotId + " of " + sizeBytes + " bytes");
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("snapshot view " + volumeId + "@" + snapshotId + " is closed");
        }
    }
}
