package io.wharf.nbd;

import io.wharf.core.Names;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * An export that presents a fixed size, its ceiling, and follows another export as that one grows
 * under connected clients: the way a volume grows online, since NBD fixes an export's size at the
 * handshake and has no resize notice.
 *
 * <p>Below the inner export's current size every call goes to it. Beyond it reads return zeros
 * and block status reports a hole that reads as zeros; writes, trims and zero-writes that reach
 * past it fail with ENOSPC and change nothing, as if the disk were full there. The current size is
 * read once per request, so a request sees the export either before or after a resize, and growth
 * is visible to the next request of every connection without reconnecting.
 *
 * <p>A client must not use what lies beyond the current size: the CSI node plugin puts a loop
 * device limited to the volume's size over it and raises that limit once the volume has grown.
 * Served under the volume's name plus {@link Names#GROWABLE_EXPORT_SUFFIX}; its connections count
 * as connections to the inner export ({@link NbdServer#connectionCount(String)}, {@link
 * NbdServer#disconnectAll(String)}), so deleting, detaching or reverting the volume reaches them.
 */
public final class GrowableExport implements NbdExport {
    private static final byte[] ZEROS = new byte[64 * 1024];

    private final String name;
    private final NbdExport inner;
    private final long ceilingBytes;

    /**
     * @param name         the name clients ask for (e.g. {@code db+growable})
     * @param inner        the export that grows
     * @param ceilingBytes the size clients see: at least the inner export's size now, and the most it may grow to
     */
    public GrowableExport(String name, NbdExport inner, long ceilingBytes) {
        if (inner.sizeBytes() > ceilingBytes) {
            throw new IllegalArgumentException("export " + inner.name() + " has " + inner.sizeBytes()
                    + " bytes, more than the ceiling " + ceilingBytes);
        }
        this.name = name;
        this.inner = inner;
        this.ceilingBytes = ceilingBytes;
    }

    /** The volume whose growable export {@code exportName} names, if it names one. */
    public static Optional<String> volumeOf(String exportName) {
        if (!exportName.endsWith(Names.GROWABLE_EXPORT_SUFFIX)) {
            return Optional.empty();
        }
        String volume = exportName.substring(0, exportName.length() - Names.GROWABLE_EXPORT_SUFFIX.length());
        return volume.isEmpty() ? Optional.empty() : Optional.of(volume);
    }

    /** The export whose clients a connection to {@code exportName} counts among: the inner one for a growable name. */
    static String countedAs(String exportName) {
        return volumeOf(exportName).orElse(exportName);
    }

    @Override
    public String name() {
        return name;
    }

    /** The ceiling: fixed for the life of the export, so every handshake agrees on it. */
    @Override
    public long sizeBytes() {
        return ceilingBytes;
    }

    @Override
    public boolean readOnly() {
        return inner.readOnly();
    }

    @Override
    public String description() {
        return "growable view of " + inner.name() + " (" + inner.sizeBytes() + " bytes now, at most " + ceilingBytes + ")";
    }

    @Override
    public boolean fastZero(boolean mayPunchHole) {
        return inner.fastZero(mayPunchHole);
    }

    @Override
    public boolean asynchronous() {
        return inner.asynchronous();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int inside = insideLength(offset, dst.remaining(), inner.sizeBytes());
        if (inside > 0) {
            inner.read(offset, dst.slice(dst.position(), inside));
        }
        zero(dst, inside);
        dst.position(dst.limit());
    }

    @Override
    public void readAsync(long offset, ByteBuffer dst, Completion done) {
        int inside = insideLength(offset, dst.remaining(), inner.sizeBytes());
        zero(dst, inside); // before the inner call starts: the ranges are apart, and nothing may touch dst after done
        if (inside == 0) {
            done.completed(null);
            return;
        }
        inner.readAsync(offset, dst.slice(dst.position(), inside), done);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        requireInside(offset, src.remaining(), "write");
        inner.write(offset, src, fua);
    }

    @Override
    public void writeAsync(long offset, ByteBuffer src, boolean fua, Completion done) {
        try {
            requireInside(offset, src.remaining(), "write");
        } catch (NbdException e) {
            done.completed(e);
            return;
        }
        inner.writeAsync(offset, src, fua, done);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void flushAsync(Completion done) {
        inner.flushAsync(done);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        requireInside(offset, length, "trim");
        inner.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException {
        requireInside(offset, length, "write of zeroes");
        inner.writeZeroes(offset, length, mayPunchHole, fua);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        long size = inner.sizeBytes();
        if (offset >= size) {
            sink.extent(length, true, true);
            return;
        }
        long inside = Math.min(length, size - offset);
        Coverage coverage = new Coverage(sink);
        inner.blockStatus(offset, inside, coverage);
        if (!coverage.stopped && coverage.coveredBytes >= inside && inside < length) {
            sink.extent(length - coverage.coveredBytes, true, true);
        }
    }

    /** Passes extents on and remembers how far they reached and whether the sink wanted no more. */
    private static final class Coverage implements ExtentSink {
        private final ExtentSink sink;
        long coveredBytes;
        boolean stopped;

        Coverage(ExtentSink sink) {
            this.sink = sink;
        }

        @Override
        public boolean extent(long length, boolean hole, boolean zero) {
            coveredBytes += length;
            boolean more = sink.extent(length, hole, zero);
            stopped |= !more;
            return more;
        }
    }

    /** How many of {@code length} bytes from {@code offset} lie below {@code size}. */
    private static int insideLength(long offset, int length, long size) {
        return (int) Math.clamp(size - offset, 0, length);
    }

    /** Zeros {@code dst} from {@code inside} bytes past its position to its limit. */
    private static void zero(ByteBuffer dst, int inside) {
        for (int at = dst.position() + inside; at < dst.limit(); at += ZEROS.length) {
            dst.put(at, ZEROS, 0, Math.min(ZEROS.length, dst.limit() - at));
        }
    }

    private void requireInside(long offset, long length, String what) throws NbdException {
        long size = inner.sizeBytes();
        if (offset + length > size) {
            throw new NbdException(NbdError.ENOSPC, what + " at offset " + offset + " length " + length
                    + " reaches past the " + size + " bytes of " + inner.name() + " (it may grow up to " + ceilingBytes + ")");
        }
    }
}
