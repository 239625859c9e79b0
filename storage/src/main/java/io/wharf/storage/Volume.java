package io.wharf.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One thin volume of a {@link Pool}: a byte-addressed block device. Safe for concurrent calls.
 * Offsets and lengths are bytes with any alignment; the engine works in 4 KiB blocks and does
 * read-modify-write for partial blocks. Out-of-range requests throw {@link IllegalArgumentException}
 * (callers validate first).
 *
 * <p>Durability (NBD's contract): every write, trim and zeroing that completed before a call to
 * {@link #flush} is durable when that call returns. After a crash, unflushed changes read old or
 * new content per 4 KiB block, never a mix.
 *
 * <p>Callers: pass direct buffers on the hot path (heap buffers cost the JDK a copy through a
 * temporary direct buffer), and never interrupt a thread while it is inside a call: an interrupt
 * closes the layer file's {@link java.nio.channels.FileChannel} for every user (JDK behaviour),
 * which stops the volume until the pool is reopened.
 */
public interface Volume {
    /** Stable id ({@code [a-z0-9-]+}), not the user's name. */
    String id();

    long sizeBytes();

    /** Fills {@code dst.remaining()} bytes from {@code offset}; unallocated ranges read zeros. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}; concurrent sub-block writes to one block never lose each other. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write/trim durable; concurrent flushes share one sync. */
    void flush() throws IOException;

    /** The range reads zeros afterwards; whole 4 KiB blocks give their space back. */
    void trim(long offset, long length) throws IOException;

    /** The range reads zeros afterwards; with {@code mayPunchHole} like {@link #trim}, else stays allocated. */
    void writeZeroes(long offset, long length, boolean mayPunchHole) throws IOException;

    /**
     * Reports {@code [offset, offset + length)} as consecutive runs, in order, starting at
     * {@code offset}: allocated (holds data) or not (reads zeros). Stops early when the sink says so.
     */
    void extents(long offset, long length, ExtentSink sink) throws IOException;

    /** Grows the volume, durably, while I/O continues; shrinking throws SHRINK_NOT_SUPPORTED. */
    void resize(long newSizeBytes) throws IOException;

    /** Bytes of data blocks the volume holds (thin accounting): 0 for a new volume. */
    long allocatedBytes();
}
