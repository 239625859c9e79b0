package io.wharf.nbd.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ScatteringByteChannel;

/**
 * Reads from a blocking channel through a read-ahead buffer, so that many small pipelined
 * requests cost one system call. Not thread-safe: one reader per connection.
 */
public final class WireInput {
    private final ScatteringByteChannel channel;
    private final ByteBuffer buffer;

    /** @param buffer read-ahead buffer, ideally direct; its content is discarded */
    public WireInput(ScatteringByteChannel channel, ByteBuffer buffer) {
        this.channel = channel;
        this.buffer = buffer;
        buffer.clear().flip();
    }

    /**
     * Makes {@code bytes} bytes available to the get methods.
     *
     * @return false if the stream ended before the first of them (a clean end between messages)
     * @throws EOFException if the stream ended after some but not all of them
     */
    public boolean fill(int bytes) throws IOException {
        if (buffer.remaining() >= bytes) {
            return true;
        }
        if (bytes > buffer.capacity()) {
            throw new IllegalArgumentException("cannot buffer " + bytes + " bytes");
        }
        buffer.compact();
        try {
            while (buffer.position() < bytes) {
                if (channel.read(buffer) < 0) {
                    if (buffer.position() == 0) {
                        return false;
                    }
                    throw new EOFException("stream ended inside a message");
                }
            }
            return true;
        } finally {
            buffer.flip();
        }
    }

    /** Like {@link #fill(int)} but treats any end of stream as truncation. */
    public void require(int bytes) throws IOException {
        if (!fill(bytes)) {
            throw new EOFException("stream ended inside a message");
        }
    }

    public int getInt() {
        return buffer.getInt();
    }

    public long getLong() {
        return buffer.getLong();
    }

    public int getUnsignedShort() {
        return Short.toUnsignedInt(buffer.getShort());
    }

    /** Bytes already read ahead and not yet consumed. */
    public int buffered() {
        return buffer.remaining();
    }

    /** Reads exactly {@code dst.length} bytes; the caller bounds the length. */
    public void readFully(byte[] dst) throws IOException {
        int offset = 0;
        while (offset < dst.length) {
            if (!buffer.hasRemaining()) {
                require(1);
            }
            int n = Math.min(buffer.remaining(), dst.length - offset);
            buffer.get(dst, offset, n);
            offset += n;
        }
    }

    /**
     * Fills {@code dsts[0..count)} completely (each from position to limit). Small remainders go
     * through the read-ahead buffer so that the next request header arrives in the same system
     * call; large ones are read straight into the destination buffers.
     */
    public void readFully(ByteBuffer[] dsts, int count) throws IOException {
        int index = 0;
        while (index < count) {
            ByteBuffer dst = dsts[index];
            if (!dst.hasRemaining()) {
                index++;
                continue;
            }
            if (buffer.hasRemaining()) {
                int n = Math.min(buffer.remaining(), dst.remaining());
                dst.put(dst.position(), buffer, buffer.position(), n);
                dst.position(dst.position() + n);
                buffer.position(buffer.position() + n);
                continue;
            }
            long left = remaining(dsts, index, count);
            if (left <= buffer.capacity() / 2) {
                readSome();
            } else if (channel.read(dsts, index, count - index) < 0) {
                throw new EOFException("stream ended inside a payload");
            }
        }
    }

    /** Discards exactly {@code bytes} bytes. */
    public void skip(long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            if (!buffer.hasRemaining()) {
                readSome();
            }
            int n = (int) Math.min(left, buffer.remaining());
            buffer.position(buffer.position() + n);
            left -= n;
        }
    }

    private void readSome() throws IOException {
        buffer.compact();
        try {
            if (channel.read(buffer) < 0) {
                throw new EOFException("stream ended inside a message");
            }
        } finally {
            buffer.flip();
        }
    }

    private static long remaining(ByteBuffer[] dsts, int from, int to) {
        long total = 0;
        for (int i = from; i < to; i++) {
            total += dsts[i].remaining();
        }
        return total;
    }
}
