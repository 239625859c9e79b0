package io.wharf.nbd.transmission;

import io.wharf.nbd.handshake.Session;
import io.wharf.nbd.wire.WireOutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Encodes and writes replies of one connection. Each reply goes out in one gathering write under
 * the write lock, so replies never interleave; headers of data replies are encoded before taking
 * the lock, in the request's own header buffers.
 */
final class Replies {
    static final int MAX_MESSAGE_BYTES = 1024;
    private static final int CONTROL_BYTES = Command.CHUNK_HEADER_BYTES + 4 + 8 * Request.MAX_EXTENTS + 64;

    private final GatheringByteChannel channel;
    private final boolean structured;
    private final ReentrantLock lock = new ReentrantLock();
    /** Encoding space for error and block status replies; used only under the lock. */
    private final ByteBuffer control = ByteBuffer.allocateDirect(Math.max(CONTROL_BYTES,
            Command.CHUNK_HEADER_BYTES + 6 + MAX_MESSAGE_BYTES));
    private final ByteBuffer[] single = new ByteBuffer[1];
    /** When the write in progress started (System.nanoTime), or 0 when none is. */
    private volatile long writeStartedNanos;

    Replies(GatheringByteChannel channel, boolean structured) {
        this.channel = channel;
        this.structured = structured;
    }

    long writeStartedNanos() {
        return writeStartedNanos;
    }

    void send(Request request) throws IOException {
        switch (request.outcome) {
            case DONE -> sendDone(request);
            case DATA -> sendData(request);
            case EXTENTS -> sendExtents(request);
            case ERROR -> sendError(request);
        }
    }

    private void sendDone(Request request) throws IOException {
        ByteBuffer header = simpleHeader(request.headers[0], 0, request.handle);
        request.gather[0] = header;
        write(request.gather, 1);
    }

    private void sendData(Request request) throws IOException {
        ByteBuffer[] gather = request.gather;
        int count = request.lease.count();
        if (!structured) {
            gather[0] = simpleHeader(request.headers[0], 0, request.handle);
            System.arraycopy(request.lease.buffers(), 0, gather, 1, count);
            write(gather, count + 1);
            return;
        }
        if (count == 0) {
            gather[0] = chunkHeader(request.headers[0].clear(), Command.REPLY_FLAG_DONE, Command.CHUNK_NONE, request.handle, 0).flip();
            write(gather, 1);
            return;
        }
        ByteBuffer[] data = request.lease.buffers();
        long offset = request.offset;
        for (int i = 0; i < count; i++) {
            int length = data[i].remaining();
            int flags = i == count - 1 ? Command.REPLY_FLAG_DONE : 0;
            gather[2 * i] = chunkHeader(request.headers[i].clear(), flags, Command.CHUNK_OFFSET_DATA, request.handle, 8 + length)
                    .putLong(offset).flip();
            gather[2 * i + 1] = data[i];
            offset += length;
        }
        write(gather, 2 * count);
    }

    private void sendExtents(Request request) throws IOException {
        lock.lock();
        try {
            control.clear();
            chunkHeader(control, Command.REPLY_FLAG_DONE, Command.CHUNK_BLOCK_STATUS, request.handle, 4 + 8 * request.extentCount);
            control.putInt(Session.ALLOCATION_CONTEXT_ID);
            for (int i = 0; i < request.extentCount; i++) {
                control.putInt((int) request.extentLengths[i]).putInt(request.extentFlags[i]);
            }
            writeLocked(control.flip());
        } finally {
            lock.unlock();
        }
    }

    private void sendError(Request request) throws IOException {
        int error = request.error.value();
        lock.lock();
        try {
            control.clear();
            if (structured) {
                byte[] message = message(request.message);
                chunkHeader(control, Command.REPLY_FLAG_DONE, Command.CHUNK_ERROR, request.handle, 6 + message.length)
                        .putInt(error).putShort((short) message.length).put(message);
            } else {
                control.putInt(Command.SIMPLE_REPLY_MAGIC).putInt(error).putLong(request.handle);
            }
            writeLocked(control.flip());
        } finally {
            lock.unlock();
        }
    }

    private void write(ByteBuffer[] buffers, int count) throws IOException {
        lock.lock();
        try {
            writeStartedNanos = System.nanoTime();
            WireOutput.writeFully(channel, buffers, count);
        } finally {
            writeStartedNanos = 0;
            lock.unlock();
        }
    }

    private void writeLocked(ByteBuffer buffer) throws IOException {
        single[0] = buffer;
        try {
            writeStartedNanos = System.nanoTime();
            WireOutput.writeFully(channel, single, 1);
        } finally {
            writeStartedNanos = 0;
        }
    }

    private static ByteBuffer simpleHeader(ByteBuffer header, int error, long handle) {
        return header.clear().putInt(Command.SIMPLE_REPLY_MAGIC).putInt(error).putLong(handle).flip();
    }

    private static ByteBuffer chunkHeader(ByteBuffer buffer, int flags, int type, long handle, int length) {
        return buffer.putInt(Command.STRUCTURED_REPLY_MAGIC).putShort((short) flags).putShort((short) type)
                .putLong(handle).putInt(length);
    }

    private static byte[] message(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_MESSAGE_BYTES) {
            return bytes;
        }
        int end = MAX_MESSAGE_BYTES;
        while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }
}
