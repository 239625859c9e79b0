package io.wharf.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One export the NBD server serves: a volume, or later a read-only snapshot. Implementations
 * must be safe for concurrent calls from many connections; requests to overlapping ranges that
 * are in flight at once may complete in any order (the NBD spec leaves that to the client).
 *
 * <p>Failures: throw {@link NbdException} to choose the NBD error the client sees (e.g. ENOSPC);
 * any other {@link IOException} is reported as EIO. The server never lets an exception from an
 * export close a connection it could keep.
 */
public interface NbdExport {
    String name();

    /** Current size; may grow while clients are connected (they see it on their next handshake). */
    long sizeBytes();

    boolean readOnly();

    /** Shown to clients that ask (NBD_INFO_DESCRIPTION); empty for none. */
    default String description() {
        return "";
    }

    /**
     * Whether {@link #writeZeroes} over any range is clearly cheaper than writing that many zero
     * bytes (NBD_CMD_FLAG_FAST_ZERO). When false, fast-zero requests fail at once with ENOTSUP and
     * the client falls back to other means, which is always correct.
     *
     * @param mayPunchHole whether the request allows deallocating the range
     */
    default boolean fastZero(boolean mayPunchHole) {
        return false;
    }

    /**
     * Whether {@link #readAsync}, {@link #writeAsync} and {@link #flushAsync} are supported: they start the I/O and return
     * without waiting for it, so the server answers the request from whichever thread completes it
     * instead of parking a thread per request (exports whose data is on another machine). False by
     * default.
     */
    default boolean asynchronous() {
        return false;
    }

    /**
     * Starts filling {@code dst.remaining()} bytes from {@code offset} (in range, at most one pooled
     * buffer: 1 MiB) and returns; calls {@code done} exactly once when {@code dst} is filled or the
     * read failed, from any thread, possibly before returning. No thread touches {@code dst} after
     * {@code done} was called. Only called when {@link #asynchronous()}.
     */
    default void readAsync(long offset, ByteBuffer dst, Completion done) {
        throw new UnsupportedOperationException("export " + name() + " is not asynchronous");
    }

    /** As {@link #readAsync}, for a write; with {@code fua} durable before {@code done} is called. */
    default void writeAsync(long offset, ByteBuffer src, boolean fua, Completion done) {
        throw new UnsupportedOperationException("export " + name() + " is not asynchronous");
    }

    /** As {@link #readAsync}, for a flush: {@code done} is called once earlier writes are durable. */
    default void flushAsync(Completion done) {
        throw new UnsupportedOperationException("export " + name() + " is not asynchronous");
    }

    /**
     * The end of an asynchronous call. It runs on the thread that completed the I/O (a transport's
     * reader), sends the NBD reply there and must not be delayed by the caller: it may block only
     * on the client's socket.
     */
    @FunctionalInterface
    interface Completion {
        /**
         * @param failure null on success; else as the synchronous call would have thrown: an
         *                {@link NbdException} for its NBD error, another {@link IOException} for EIO
         */
        void completed(Exception failure);
    }

    /** Fills {@code dst.remaining()} bytes starting at {@code offset}; offset and length are in range. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes; when {@code fua}, durable before returning. */
    void write(long offset, ByteBuffer src, boolean fua) throws IOException;

    /** Makes every write and trim that completed before this call durable. */
    void flush() throws IOException;

    /** Discards the range: it reads as zeros afterwards and may give space back. */
    void trim(long offset, long length, boolean fua) throws IOException;

    /** The range reads as zeros afterwards; when {@code mayPunchHole} the space may be given back. */
    void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException;

    /**
     * Reports the allocation state of {@code [offset, offset + length)} as consecutive extents,
     * starting at {@code offset}; at least one extent, and may stop early (after the first) or run
     * past the end of the range, as {@code NBD_CMD_BLOCK_STATUS} allows.
     */
    void blockStatus(long offset, long length, ExtentSink sink) throws IOException;

    /** Receives extents of {@code base:allocation}. */
    @FunctionalInterface
    interface ExtentSink {
        /**
         * @param hole the range is not allocated (NBD_STATE_HOLE)
         * @param zero the range reads as zeros (NBD_STATE_ZERO)
         * @return false to stop early
         */
        boolean extent(long length, boolean hole, boolean zero);
    }
}
