package io.wharf.nbd.transmission;

import io.wharf.nbd.NbdError;
import io.wharf.nbd.NbdExport;
import io.wharf.nbd.buffer.BufferPool;
import io.wharf.nbd.buffer.Lease;

import java.nio.ByteBuffer;

/**
 * One request slot of a connection, reused for request after request: the parsed header, the
 * payload lease, the reply's header buffers and its outcome. Owned by the reader until handed to
 * a request thread (thread start is the happens-before edge), then by that thread until returned.
 */
final class Request implements Runnable, NbdExport.ExtentSink {
    /** Room per reply chunk header: 20-byte chunk header plus 8-byte offset, rounded up. */
    static final int HEADER_SLOT_BYTES = 32;
    static final int MAX_EXTENTS = 512;
    /** Largest extent length sent: fits u32 and keeps 4 KiB alignment. */
    static final long MAX_EXTENT_BYTES = 0xffff_f000L;

    enum Outcome { DONE, DATA, EXTENTS, ERROR }

    private final Transmission owner;
    final Lease lease;
    final ByteBuffer[] headers;
    final ByteBuffer[] gather;

    int flags;
    int type;
    long handle;
    long offset;
    long length;

    Outcome outcome;
    NbdError error;
    String message;

    long[] extentLengths;
    int[] extentFlags;
    int extentCount;
    private int extentMax;
    private long extentCovered;

    Request(Transmission owner, Lease lease, int maxBuffers) {
        this.owner = owner;
        this.lease = lease;
        ByteBuffer memory = ByteBuffer.allocateDirect(HEADER_SLOT_BYTES * maxBuffers);
        this.headers = new ByteBuffer[maxBuffers];
        for (int i = 0; i < maxBuffers; i++) {
            headers[i] = memory.slice(i * HEADER_SLOT_BYTES, HEADER_SLOT_BYTES);
        }
        this.gather = new ByteBuffer[2 * maxBuffers + 1];
    }

    boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    void done() {
        outcome = Outcome.DONE;
    }

    void fail(NbdError error, String message) {
        this.outcome = Outcome.ERROR;
        this.error = error == null ? NbdError.EIO : error;
        this.message = message == null ? "" : message;
    }

    void startExtents(boolean requestOne) {
        if (extentLengths == null) {
            extentLengths = new long[MAX_EXTENTS];
            extentFlags = new int[MAX_EXTENTS];
        }
        extentCount = 0;
        extentCovered = 0;
        extentMax = requestOne ? 1 : MAX_EXTENTS;
    }

    /** Collects extents until the request's length is covered, merging runs of equal status. */
    @Override
    public boolean extent(long extentLength, boolean hole, boolean zero) {
        if (extentLength <= 0) {
            return true;
        }
        long room = extentMax == 1 ? length - extentCovered : owner.sizeBytes() - offset - extentCovered;
        long add = Math.min(Math.min(extentLength, room), MAX_EXTENT_BYTES);
        if (add <= 0) {
            return false;
        }
        int state = (hole ? Command.STATE_HOLE : 0) | (zero ? Command.STATE_ZERO : 0);
        int last = extentCount - 1;
        if (last >= 0 && extentFlags[last] == state && extentLengths[last] + add <= MAX_EXTENT_BYTES) {
            extentLengths[last] += add;
        } else if (extentCount < extentMax) {
            extentLengths[extentCount] = add;
            extentFlags[extentCount] = state;
            extentCount++;
        } else {
            return false;
        }
        extentCovered += add;
        return add == extentLength && extentCovered < length;
    }

    /** If the export reported nothing usable: one extent of unknown status, which is always true. */
    void finishExtents() {
        if (extentCount == 0) {
            extentLengths[0] = Math.min(length, MAX_EXTENT_BYTES);
            extentFlags[0] = 0;
            extentCount = 1;
        }
        outcome = Outcome.EXTENTS;
    }

    void reset() {
        outcome = null;
        error = null;
        message = null;
        lease.release();
    }

    @Override
    public void run() {
        owner.complete(this);
    }

    static int maxBuffers(int maxPayloadBytes) {
        return Math.max(1, BufferPool.buffersFor(maxPayloadBytes));
    }
}
