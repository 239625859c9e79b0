package io.wharf.replication.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of an allocation map ({@link Message.Extents}): {@code lengthBytes} bytes that hold data
 * ({@code allocated}) or read zeros without holding space.
 *
 * <p>List encoding: u32 count (at most {@link #MAX_RUNS}), then per run u64 length (&gt; 0) and
 * u32 flags (bit 0: allocated; other bits zero in version 1).
 */
public record ExtentRun(long lengthBytes, boolean allocated) {
    public static final int MAX_RUNS = 4096;
    public static final int RUN_BYTES = 12;
    static final int FLAG_ALLOCATED = 1;

    public ExtentRun {
        if (lengthBytes <= 0) {
            throw new IllegalArgumentException("extent length " + lengthBytes + " must be positive");
        }
    }

    public static int encodedBytes(int runs) {
        return 4 + RUN_BYTES * runs;
    }

    public static ByteBuffer encode(List<ExtentRun> runs) {
        if (runs.size() > MAX_RUNS) {
            throw new IllegalArgumentException(runs.size() + " runs, at most " + MAX_RUNS);
        }
        ByteBuffer buffer = ByteBuffer.allocate(encodedBytes(runs.size()));
        buffer.putInt(runs.size());
        for (ExtentRun run : runs) {
            buffer.putLong(run.lengthBytes).putInt(run.allocated ? FLAG_ALLOCATED : 0);
        }
        return buffer.flip();
    }

    /** Decodes the remaining bytes of {@code payload} (without moving its position). */
    public static DecodeResult<List<ExtentRun>> decode(ByteBuffer payload) {
        ByteBuffer in = payload.duplicate();
        if (in.remaining() < 4) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "extent list: count missing");
        }
        long count = Integer.toUnsignedLong(in.getInt());
        if (count > MAX_RUNS) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "extent list: " + count + " runs, at most " + MAX_RUNS);
        }
        if (in.remaining() != count * RUN_BYTES) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "extent list: " + count + " runs need "
                    + count * RUN_BYTES + " bytes, " + in.remaining() + " present");
        }
        List<ExtentRun> runs = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            long length = in.getLong();
            int flags = in.getInt();
            if (length <= 0 || (flags & ~FLAG_ALLOCATED) != 0) {
                return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "extent run " + i + ": length " + length
                        + " flags 0x" + Integer.toHexString(flags));
            }
            runs.add(new ExtentRun(length, (flags & FLAG_ALLOCATED) != 0));
        }
        return new DecodeResult.Ok<>(runs);
    }
}
