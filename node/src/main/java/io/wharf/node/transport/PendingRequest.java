package io.wharf.node.transport;

import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.MessageType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One request slot of a client connection, reused request after request. A request is finished
 * when two things have happened: its frame left the {@link Outbox} (written or failed), and its reply
 * was received or the request failed. Only then does the caller return, so no thread ever touches the
 * caller's buffers after the call has returned (the reader fills a read's buffer directly; the writer
 * sends a write's buffer directly).
 *
 * <p>Reply state: {@code IDLE -> WAITING} (caller) {@code -> RECEIVING} (reader, before it touches
 * the caller's buffer) {@code -> DONE}, or {@code WAITING -> DONE} when the connection fails. Whoever
 * wins the compare-and-set finishes the request; the connection failing never finishes a request the
 * reader is receiving into (the reader does, once its read fails on the closed channel).
 */
final class PendingRequest implements Outbox.Outgoing {
    static final int IDLE = 0;
    static final int WAITING = 1;
    static final int RECEIVING = 2;
    static final int DONE = 3;

    /** Finishes asynchronous requests (a reply handler is set). */
    interface Finisher {
        void finish(PendingRequest request);
    }

    final int slot;
    private final Finisher finisher;
    private final ByteBuffer header = ByteBuffer.allocateDirect(FrameCodec.HEADER_BYTES);
    private final AtomicInteger state = new AtomicInteger(IDLE);
    /** 2 while waiting for both the frame to leave and the reply; 0 when finished. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private ByteBuffer payload;
    private volatile Thread waiter;
    /** For an asynchronous request, who gets the outcome; null when a thread waits for it. */
    ClientConnection.ReplyHandler handler;
    volatile long deadlineNanos;

    long requestId;
    MessageType type;
    /** Where a read's data goes (a view of the caller's buffer), or null. */
    ByteBuffer readInto;

    // outcome: written before the count-down that finishes the request
    Message reply;
    boolean dataReceived;
    int dataChecksum;
    PeerException failure;

    PendingRequest(int slot, Finisher finisher) {
        this.slot = slot;
        this.finisher = finisher;
    }

    /**
     * Sets up a new request and encodes its frame; state WAITING publishes it to the reader. Without
     * a handler the calling thread waits for it; with one, whichever thread finishes the request
     * hands it to the {@link Finisher}.
     */
    void prepare(Message message, ByteBuffer readInto, long deadlineNanos, ClientConnection.ReplyHandler handler) {
        this.requestId = message.requestId();
        this.type = message.type();
        this.readInto = readInto;
        this.deadlineNanos = deadlineNanos;
        reply = null;
        dataReceived = false;
        failure = null;
        FrameCodec.encodeHeader(message, header.clear());
        header.flip();
        payload = FrameCodec.payload(message);
        this.handler = handler;
        waiter = handler == null ? Thread.currentThread() : null;
        outstanding.set(2);
        state.set(WAITING);
    }

    int state() {
        return state.get();
    }

    boolean finished() {
        return outstanding.get() == 0;
    }

    @Override
    public int buffers(ByteBuffer[] gather, int at) {
        gather[at] = header;
        if (payload.hasRemaining()) {
            gather[at + 1] = payload;
            return 2;
        }
        return 1;
    }

    @Override
    public void written(IOException failure) {
        payload = null;
        countDown();
    }

    /** The reader claims the request before touching its buffer; false if it is not waiting. */
    boolean beginReceive() {
        return state.compareAndSet(WAITING, RECEIVING);
    }

    void received(Message message) {
        reply = message;
        finishReceive();
    }

    void receivedData(int checksum) {
        dataChecksum = checksum;
        dataReceived = true;
        finishReceive();
    }

    void receiveFailed(PeerException cause) {
        failure = cause;
        finishReceive();
    }

    private void finishReceive() {
        assert state.get() == RECEIVING : state.get();
        state.set(DONE);
        countDown();
    }

    /** Fails the request if no reply is being received into it (the connection failed). */
    void failIfWaiting(PeerException cause) {
        if (state.compareAndSet(WAITING, DONE)) {
            failure = cause;
            countDown();
        }
    }

    /** Back to idle; only once {@link #finished()}. */
    void reset() {
        assert finished();
        readInto = null;
        reply = null;
        failure = null;
        waiter = null;
        handler = null;
        state.set(IDLE);
    }

    private void countDown() {
        if (outstanding.decrementAndGet() == 0) {
            if (handler != null) {
                finisher.finish(this);
            } else {
                LockSupport.unpark(waiter);
            }
        }
    }
}
