package io.wharf.node.transport;

import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.FrameHeader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads frames from a blocking channel through a read-ahead buffer, so that many pipelined small
 * frames cost one system call. Not thread-safe: one reader per connection.
 */
final class FrameInput {
    private final ReadableByteChannel channel;
    private final ByteBuffer buffer;
    private final Runnable beforeRead;

    /**
     * @param buffer     read-ahead buffer (direct, at least a few headers big); its content is discarded
     * @param beforeRead runs before every system call that may block (a server flushes queued replies there)
     */
    FrameInput(ReadableByteChannel channel, ByteBuffer buffer, Runnable beforeRead) {
        if (buffer.capacity() < 2 * FrameCodec.HEADER_BYTES) {
            throw new IllegalArgumentException("read-ahead of " + buffer.capacity() + " bytes is too small");
        }
        this.channel = channel;
        this.buffer = buffer;
        this.beforeRead = beforeRead;
        buffer.clear().flip();
    }

    /**
     * The next frame header, decoded and verified. Garbage is reported as soon as enough of it has
     * arrived to tell (the magic), without waiting for a whole header.
     *
     * @return {@link DecodeResult.Incomplete} only when the stream ended cleanly between frames
     * @throws EOFException when the stream ended inside a header
     */
    DecodeResult<FrameHeader> readHeader() throws IOException {
        while (true) {
            DecodeResult<FrameHeader> result = FrameCodec.decodeHeader(buffer);
            if (!(result instanceof DecodeResult.Incomplete<FrameHeader>)) {
                return result;
            }
            if (!readMore()) {
                if (buffer.hasRemaining()) {
                    throw new EOFException("stream ended inside a frame header");
                }
                return result;
            }
        }
    }

    /** Fills {@code dst} from position to limit: small remainders through the read-ahead, large ones directly. */
    void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (buffer.hasRemaining()) {
                int n = Math.min(buffer.remaining(), dst.remaining());
                dst.put(dst.position(), buffer, buffer.position(), n);
                dst.position(dst.position() + n);
                buffer.position(buffer.position() + n);
            } else if (dst.remaining() <= buffer.capacity() / 2) {
                if (!readMore()) {
                    throw new EOFException("stream ended inside a payload");
                }
            } else {
                beforeRead.run();
                if (channel.read(dst) < 0) {
                    throw new EOFException("stream ended inside a payload");
                }
            }
        }
    }

    /** Reads one more chunk into the read-ahead; false at end of stream. */
    private boolean readMore() throws IOException {
        beforeRead.run();
        buffer.compact();
        try {
            return channel.read(buffer) >= 0;
        } finally {
            buffer.flip();
        }
    }
}
