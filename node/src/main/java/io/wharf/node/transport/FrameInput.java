package io.wharf.node.transport;

import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.FrameHeader;
import io.wharf.replication.wire.SyncFrameCodec;
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

    /**
     * The type code of the next frame, without consuming anything: {@code -1} when the stream ended
     * cleanly before it, or when the bytes there are not a frame (wrong magic: {@link #readHeader}
     * then reports them), so that garbage is never waited on.
     *
     * @throws EOFException when the stream ended inside the first bytes of a frame
     */
    int peekTypeCode() throws IOException {
        while (true) {
            if (buffer.remaining() >= 4 && buffer.getInt(buffer.position()) != FrameCodec.MAGIC) {
                return -1;
            }
            int code = SyncFrameCodec.typeCode(buffer);
            if (code >= 0) {
                return code;
            }
            if (!readMore()) {
                if (buffer.hasRemaining()) {
                    throw new EOFException("stream ended inside a frame header");
                }
                return -1;
            }
        }
    }

    /** The type code of the bytes not yet consumed, as far as they have arrived; -1 if fewer than 8 (never reads). */
    int typeCodeAhead() {
        return SyncFrameCodec.typeCode(buffer);
    }

    /**
     * The next frame's header bytes, not consumed ({@link #readFully} reads them with the payload):
     * a view of {@link FrameCodec#HEADER_BYTES} bytes, or of fewer when they already show the wrong
     * magic (the codecs refuse those at once).
     *
     * @return null when the stream ended cleanly between frames
     * @throws EOFException when the stream ended inside a header
     */
    ByteBuffer peekHeader() throws IOException {
        while (true) {
            int available = buffer.remaining();
            if (available >= FrameCodec.HEADER_BYTES
                    || (available >= 4 && buffer.getInt(buffer.position()) != FrameCodec.MAGIC)) {
                return buffer.slice(buffer.position(), Math.min(available, FrameCodec.HEADER_BYTES)).asReadOnlyBuffer();
            }
            if (!readMore()) {
                if (buffer.hasRemaining()) {
                    throw new EOFException("stream ended inside a frame header");
                }
                return null;
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
