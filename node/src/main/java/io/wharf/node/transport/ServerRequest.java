package io.wharf.node.transport;

import io.wharf.nbd.buffer.BufferPool;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.FrameHeader;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.MessageType;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One request slot of a server connection, reused request after request: the header read, the
 * volume it names, its payload buffer, and its reply. Owned by the reader until dispatched, then by
 * the thread running it, then by the {@link Outbox} until the reply is written (thread start and the
 * outbox's queue are the happens-before edges).
 */
final class ServerRequest implements Runnable, Outbox.Outgoing {
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final ServerConnection owner;
    private final ByteBuffer replyHeader = ByteBuffer.allocateDirect(FrameCodec.HEADER_BYTES);
    private ByteBuffer replyPayload;
    private BufferPool.Borrowed payload;
    private int payloadPages;

    FrameHeader header;
    ServerConnection.OpenVolume target;
    /**
     * Whether the reader handed the slot on (to a request thread or the outbox), which then gives it
     * back. Written and read only by the reader: a completing thread never clears it, or the reader
     * could see the slot as its own again after handing it off.
     */
    boolean dispatched;

    ServerRequest(ServerConnection owner) {
        this.owner = owner;
    }

    /** Holds a payload buffer of {@code lengthBytes} (reserved by the caller as {@code pages}). */
    void holdPayload(BufferPool.Borrowed buffer, int pages) {
        payload = buffer;
        payloadPages = pages;
    }

    /** The payload buffer, position 0 and limit its length; empty when the request has none. */
    ByteBuffer payload() {
        return payload == null ? EMPTY.duplicate() : payload.buffer().clear().limit(payloadLength());
    }

    private int payloadLength() {
        return header.type() == MessageType.WRITE ? header.payloadLength() : (int) header.length();
    }

    int payloadPages() {
        return payloadPages;
    }

    /** Encodes the reply into this slot; the caller hands the slot to the outbox. */
    void reply(Message reply) {
        FrameCodec.encodeHeader(reply, replyHeader.clear());
        replyHeader.flip();
        replyPayload = FrameCodec.payload(reply);
    }

    @Override
    public int buffers(ByteBuffer[] gather, int at) {
        gather[at] = replyHeader;
        if (replyPayload.hasRemaining()) {
            gather[at + 1] = replyPayload;
            return 2;
        }
        return 1;
    }

    @Override
    public void written(IOException failure) {
        owner.giveBack(this);
    }

    @Override
    public void run() {
        owner.complete(this, false);
    }

    /** Returns the payload buffer; the caller returns the budget ({@link #payloadPages()} read first). */
    void reset() {
        if (payload != null) {
            payload.release();
            payload = null;
        }
        payloadPages = 0;
        replyPayload = null;
        header = null;
        target = null;
    }
}
