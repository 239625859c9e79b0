package io.wharf.nbd.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/** Complete writes; the caller serializes writers (one message must never interleave with another). */
public final class WireOutput {
    private WireOutput() {}

    /** Writes every byte of {@code srcs[0..count)} from position to limit. */
    public static void writeFully(GatheringByteChannel channel, ByteBuffer[] srcs, int count) throws IOException {
        int index = 0;
        while (index < count) {
            if (!srcs[index].hasRemaining()) {
                index++;
                continue;
            }
            channel.write(srcs, index, count - index);
        }
    }

    public static void writeFully(GatheringByteChannel channel, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
        }
    }
}
