package io.wharf.node.transport;

import io.wharf.replication.sync.frames.FrameLink;
import io.wharf.replication.wire.DecodeError;
import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.FrameHeader;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.MessageType;
import io.wharf.replication.wire.Status;
import io.wharf.replication.wire.SyncFrameCodec;
import io.wharf.replication.wire.SyncFrameHeader;
import io.wharf.replication.wire.SyncMessageType;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection carrying whole frames of synchronous replication, as a {@link FrameLink} of a
 * single-threaded owner (the node's replication loop): on a target the link to one replica node
 * ({@link #connect}), on a replica a connection of the {@link ReplicaServer} that began with a
 * synchronous-replication frame.
 *
 * <p><b>Threads.</b> A reader thread (platform) reads whole frames, header first: the header is
 * verified by its codec, so the payload length is known to be at most 1 MiB before anything is
 * allocated; then it reserves room for the frame ({@code Admission}, blocking while there is none:
 * TCP backpressure), reads it into a buffer of its own and hands it to the loop. {@link #send} never
 * blocks: it queues the frame in the {@link Outbox} and wakes a writer (virtual) thread, which writes
 * everything queued with gathering writes. The loop never touches the socket.
 *
 * <p><b>Buffers.</b> On a replica, request frames are read into pooled direct buffers
 * ({@link FrameBuffers}): a write's data goes to the file from there with no copy, and the buffer is
 * given back when the request's answer is sent (not at close: a storage call may still hold it; the
 * collector frees those). A write sent as header and payload ({@link #send(ByteBuffer, ByteBuffer)})
 * is written from the caller's buffer as it is, after the header.
 *
 * <p><b>Bounds.</b> Frames queued to send: at most {@code maxQueuedBytes}, beyond which the peer is
 * taken as not taking frames and the channel is closed. Frames received: the admission's budget;
 * on a target that is bytes handed to the loop and not yet delivered, on a replica the requests not
 * yet answered, each counted as the larger of its frame and its answer (a READ's data, a region set),
 * and released when the answer has been written. A write that makes no
 * progress for the timeout closes the channel ({@link #enforceTimeout}, called by a watchdog).
 *
 * <p><b>End.</b> The first {@link #close} wins: the socket is closed, queued frames are dropped,
 * and the owner is told once, on the loop ({@link Receiver#closed}), after which no frame is
 * delivered. A closed channel is never reused: a new connection is a new channel.
 */
public final class FrameChannel implements FrameLink {
    private static final Logger log = LoggerFactory.getLogger(FrameChannel.class);
    static final int READ_AHEAD_BYTES = 64 * 1024;
    /** Request id of the HELLO a target's channel sends before any frame of the loop's. */
    static final long HELLO_REQUEST_ID = 1;
    private static final long NO_ANSWER = Long.MIN_VALUE;
    private static final AtomicLong CHANNELS = new AtomicLong();

    /** The owner of a channel: both calls run on the loop. */
    public interface Receiver {
        /** A whole frame (header and payload, position 0), the receiver's to keep. */
        void received(FrameChannel channel, ByteBuffer frame);

        /** The channel ended (the first reason given); called once, and no frame is delivered after it. */
        void closed(FrameChannel channel, String reason);
    }

    /** Room for frames received but not yet done with. */
    interface Admission {
        /** Blocks (interruptibly) until {@code frameBytes} may be held. */
        void reserve(int frameBytes) throws InterruptedException;

        void release(int frameBytes);
    }

    private final SocketChannel channel;
    private final Outbox outbox;
    private final String peer;
    private final Executor loop;
    private final Receiver receiver;
    private final Admission admission;
    /** Replica side: a request's room is released when its answer was written, not when it was delivered. */
    private final boolean releaseOnAnswer;
    private final long maxQueuedBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writePending = new AtomicBoolean();
    /** Bytes held per request id not yet answered (replica side); guarded by itself, as is {@link #closing}. */
    private final Map<Long, Integer> held = new HashMap<>();
    /** Replica side: the pooled buffer of each request not yet answered, given back with the answer; guarded by {@link #held}. */
    private final Map<Long, ByteBuffer> lent = new HashMap<>();
    private volatile boolean closing;
    private volatile String closeReason;
    private volatile Thread writer;
    /** The reader while it waits for room (interrupted by close). */
    private volatile Thread reserving;
    /** When the target's connection attempt started, 0 once it said Hello. */
    private volatile long connectingSinceNanos;
    /** Replica side, reader only: request ids of a connection only grow (duplicates would hold room forever). */
    private long lastRequestId = Long.MIN_VALUE;
    /** Loop only. */
    private boolean closedReported;

    private FrameChannel(SocketChannel channel, Outbox outbox, String peer, Executor loop, Receiver receiver, Admission admission,
                         boolean releaseOnAnswer, long maxQueuedBytes) {
        this.channel = channel;
        this.outbox = outbox != null ? outbox : new Outbox(channel, failure -> close("write failed: " + failure.getMessage()));
        this.peer = peer;
        this.loop = loop;
        this.receiver = receiver;
        this.admission = admission;
        this.releaseOnAnswer = releaseOnAnswer;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    /**
     * The replica side of a server connection that turned to frames: replies go out through the
     * connection's {@code outbox}; {@link #readFrames} runs on the connection's reader thread.
     */
    static FrameChannel serving(SocketChannel channel, Outbox outbox, String peer, Executor loop, Receiver receiver,
                                Admission admission, long maxQueuedBytes) {
        FrameChannel served = new FrameChannel(channel, outbox, peer, loop, receiver, admission, true, maxQueuedBytes);
        served.startWriter("replica-frames-writer");
        return served;
    }

    /**
     * A target's link to replica node {@code peerNode}, returned at once: connecting (with a
     * timeout), saying Hello and reading happen on the channel's reader thread, and frames sent
     * meanwhile wait in the queue. Any failure, including an unknown address, closes the channel,
     * which the receiver is told on the loop. Never blocks.
     *
     * @param address the peer's {@code host:port}, looked up on the reader thread; empty when unknown
     * @throws IOException when not even a socket can be had (out of file descriptors)
     */
    public static FrameChannel connect(LinkConfig config, String peerNode, Supplier<Optional<String>> address, Executor loop,
                                       Receiver receiver) throws IOException {
        SocketChannel socket = SocketChannel.open();
        Semaphore room = new Semaphore((int) config.maxReceivedBytes());
        Admission admission = new Admission() {
            @Override
            public void reserve(int frameBytes) throws InterruptedException {
                room.acquire(frameBytes);
            }

            @Override
            public void release(int frameBytes) {
                room.release(frameBytes);
            }
        };
        FrameChannel link = new FrameChannel(socket, null, peerNode, loop, receiver, admission, false, config.maxQueuedBytes());
        link.connectingSinceNanos = System.nanoTime();
        Thread.ofPlatform().daemon(true).name("repl-link-" + config.localNodeId() + "-" + peerNode + "-" + CHANNELS.incrementAndGet())
                .start(() -> link.runLink(config, address));
        return link;
    }

    /** Who is at the other end, for messages. */
    public String peer() {
        return peer;
    }

    /** Whether the channel has not been closed. */
    public boolean isOpen() {
        return !closing;
    }

    /** Bytes of frames queued to send, not yet written. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /**
     * Queues a whole frame (the buffer is the channel's from now on) and wakes the writer; never
     * blocks. Dropped after close; closes the channel when more than {@code maxQueuedBytes} would wait.
     */
    @Override
    public void send(ByteBuffer frame) {
        long answers = releaseOnAnswer ? requestIdOf(frame) : NO_ANSWER;
        if (answers != NO_ANSWER) {
            giveBack(answers); // the request is done with: its answer is made
        }
        queue(frame, null, false, answers);
    }

    /**
     * Writes a direct payload as it is (no copy: see {@link FrameLink#send(ByteBuffer, ByteBuffer)})
     * after the header. A heap payload is copied into a pooled direct buffer first, given back once
     * written: the JDK would otherwise copy it into temporary direct memory on every write attempt.
     */
    @Override
    public void send(ByteBuffer header, ByteBuffer payload) {
        if (payload.isDirect()) {
            queue(header, payload.duplicate(), false, NO_ANSWER);
        } else if (!closing) {
            queue(header, FrameBuffers.SHARED.copyOf(payload), true, NO_ANSWER);
        }
    }

    private void queue(ByteBuffer frame, ByteBuffer payload, boolean pooled, long answers) {
        if (closing) {
            return;
        }
        int bytes = frame.remaining() + (payload == null ? 0 : payload.remaining());
        if (queuedBytes.addAndGet(bytes) > maxQueuedBytes) {
            queuedBytes.addAndGet(-bytes);
            close(peer + " did not take frames: more than " + maxQueuedBytes + " bytes were waiting to be sent");
            return;
        }
        outbox.enqueue(new Outgoing(frame, payload, pooled, bytes, answers));
        if (!writePending.getAndSet(true)) {
            Thread running = writer;
            if (running != null) {
                LockSupport.unpark(running);
            }
        }
    }

    /** Closes the channel; the first reason wins and is told to the receiver, once, on the loop. Any thread. */
    @Override
    public void close(String reason) {
        synchronized (held) {
            if (closing) {
                return;
            }
            closeReason = reason;
            closing = true;
            held.values().forEach(admission::release);
            held.clear();
            lent.clear(); // not given back: a storage call may still hold one; the collector frees them
        }
        try {
            channel.close();
        } catch (IOException e) {
            // already broken; nothing more to release
        }
        // the writer fails what is still queued: close may run inside a write (the outbox's failure
        // listener), where draining the outbox again would reenter it
        Thread running = writer;
        if (running != null) {
            LockSupport.unpark(running);
        } else {
            outbox.fail(new IOException("connection closed: " + reason)); // never connected: nobody writes
        }
        Thread waiting = reserving;
        if (waiting != null) {
            waiting.interrupt(); // waits for room: no file I/O on a frame reader, so an interrupt is safe
        }
        if (reason.startsWith("protocol error")) {
            log.atWarn().setMessage("replication frame connection closed").addKeyValue("peer", peer).addKeyValue("reason", reason).log();
        } else {
            log.atInfo().setMessage("replication frame connection closed").addKeyValue("peer", peer).addKeyValue("reason", reason).log();
        }
        loop.execute(() -> {
            closedReported = true;
            receiver.closed(this, reason);
        });
    }

    /**
     * Closes a channel whose connection attempt, or a write in progress, has lasted longer than
     * {@code timeoutNanos}. Called periodically by a watchdog; never blocks.
     */
    public void enforceTimeout(long nowNanos, long timeoutNanos) {
        long connecting = connectingSinceNanos;
        if (connecting != 0 && nowNanos - connecting > timeoutNanos) {
            close("no connection to " + peer + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            return;
        }
        long writing = outbox.writeStartedNanos();
        if (writing != 0 && nowNanos - writing > timeoutNanos) {
            close(peer + " did not take a frame within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
    }

    // --- the target's link: connect, Hello, read ---

    private void runLink(LinkConfig config, Supplier<Optional<String>> address) {
        String where = "?";
        try {
            Optional<String> known = address.get();
            if (known.isEmpty()) {
                close("the replication address of node " + peer + " is unknown");
                return;
            }
            where = known.get();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.socket().connect(socketAddress(where), (int) Math.clamp(TimeUnit.NANOSECONDS.toMillis(config.timeoutNanos()), 1,
                    Integer.MAX_VALUE));
            FrameInput in = new FrameInput(channel, ByteBuffer.allocateDirect(READ_AHEAD_BYTES), () -> { });
            hello(in, config);
            connectingSinceNanos = 0;
            log.atDebug().setMessage("replication link connected").addKeyValue("peer", peer).addKeyValue("address", where).log();
            startWriter("repl-link-writer");
            readFrames(in);
        } catch (IOException | RuntimeException e) {
            close(closing ? "closed" : "cannot connect to node " + peer + " at " + where + ": " + e.getMessage());
        }
    }

    private void hello(FrameInput in, LinkConfig config) throws IOException {
        Message.Hello hello = new Message.Hello(HELLO_REQUEST_ID, FrameCodec.PROTOCOL_VERSION, config.clusterId(), config.localNodeId());
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(hello));
        FrameCodec.encode(hello, frame);
        frame.flip();
        while (frame.hasRemaining()) {
            channel.write(frame); // nothing else writes before the writer starts
        }
        FrameHeader header = switch (in.readHeader()) {
            case DecodeResult.Ok<FrameHeader>(FrameHeader decoded) -> decoded;
            case DecodeResult.Malformed<FrameHeader>(DecodeError error) -> throw new IOException("HELLO answered with a malformed frame: "
                    + error);
            case DecodeResult.Incomplete<FrameHeader> _ -> throw new EOFException("the peer closed the connection during HELLO");
        };
        ByteBuffer payload = ByteBuffer.allocate(header.payloadLength());
        in.readFully(payload);
        Message answer = switch (FrameCodec.decodeBody(header, payload.flip())) {
            case DecodeResult.Ok<Message>(Message decoded) -> decoded;
            case DecodeResult.Malformed<Message>(DecodeError error) -> throw new IOException("HELLO answered with a malformed frame: "
                    + error);
            case DecodeResult.Incomplete<Message> incomplete -> throw new AssertionError(incomplete);
        };
        switch (answer) {
            case Message.HelloOk ok when ok.protocolVersion() == FrameCodec.PROTOCOL_VERSION && ok.clusterId().equals(config.clusterId()) -> {
            }
            case Message.HelloOk ok -> throw new IOException("the peer speaks protocol version " + ok.protocolVersion() + " in cluster '"
                    + ok.clusterId() + "'; this node version " + FrameCodec.PROTOCOL_VERSION + " in cluster '" + config.clusterId() + "'");
            case Message.Reply reply when reply.status() != Status.OK -> throw new IOException("the peer refused HELLO: "
                    + reply.error().code() + ": " + reply.error().message());
            default -> throw new IOException("the peer answered HELLO with " + answer.type());
        }
    }

    private static InetSocketAddress socketAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("address '" + hostPort + "' is not host:port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    }

    // --- reading ---

    /**
     * Reads whole frames and hands them to the loop until the connection ends; then closes the
     * channel. Runs on the reader thread. Returns why it ended (the first close reason).
     */
    String readFrames(FrameInput in) {
        String end;
        try {
            end = readUntilEnd(in);
        } catch (EOFException e) {
            end = "the peer closed the connection inside a frame";
        } catch (IOException e) {
            end = "read failed: " + e.getMessage();
        }
        close(end);
        return closeReason;
    }

    private String readUntilEnd(FrameInput in) throws IOException {
        while (!closing) {
            ByteBuffer header = in.peekHeader();
            if (header == null) {
                return "the peer closed the connection";
            }
            long requestId;
            int payloadLength;
            int answerBytes; // the payload of the answer, as far as the request tells
            if (SyncFrameCodec.isSyncType(SyncFrameCodec.typeCode(header))) {
                switch (SyncFrameCodec.decodeHeader(header)) {
                    case DecodeResult.Ok<SyncFrameHeader>(SyncFrameHeader decoded) -> {
                        requestId = decoded.requestId();
                        payloadLength = decoded.payloadLength();
                        answerBytes = decoded.type() == SyncMessageType.GET_REGIONS ? FrameCodec.MAX_PAYLOAD_BYTES : 0;
                    }
                    case DecodeResult.Malformed<SyncFrameHeader>(DecodeError error) -> {
                        return "protocol error: malformed frame: " + error;
                    }
                    case DecodeResult.Incomplete<SyncFrameHeader> incomplete -> throw new AssertionError(incomplete);
                }
            } else {
                switch (FrameCodec.decodeHeader(header)) {
                    case DecodeResult.Ok<FrameHeader>(FrameHeader decoded) -> {
                        requestId = decoded.requestId();
                        payloadLength = decoded.payloadLength();
                        answerBytes = decoded.type() == MessageType.READ ? (int) decoded.length() : 0; // at most 1 MiB: checked
                    }
                    case DecodeResult.Malformed<FrameHeader>(DecodeError error) -> {
                        return "protocol error: malformed frame: " + error;
                    }
                    case DecodeResult.Incomplete<FrameHeader> incomplete -> throw new AssertionError(incomplete);
                }
            }
            if (releaseOnAnswer) {
                if (requestId <= lastRequestId) {
                    return "protocol error: request id " + requestId + " does not follow " + lastRequestId;
                }
                lastRequestId = requestId;
            }
            int frameBytes = FrameCodec.HEADER_BYTES + payloadLength; // the codec checked: at most 1 MiB of payload
            // a replica holds a request until its answer is written: room for the larger of the two
            int roomBytes = releaseOnAnswer ? FrameCodec.HEADER_BYTES + Math.max(payloadLength, answerBytes) : frameBytes;
            if (!reserve(roomBytes)) {
                return "closed";
            }
            // a replica's request frames are pooled direct buffers: a write's data goes to the file without a
            // copy, and the buffer is reused once the request is answered; a target's frames (replies, whose
            // data the core hands on) are its own
            ByteBuffer frame = releaseOnAnswer ? FrameBuffers.SHARED.take(frameBytes) : ByteBuffer.allocate(frameBytes);
            try {
                in.readFully(frame);
            } catch (IOException e) {
                admission.release(roomBytes);
                throw e;
            }
            deliver(frame.flip(), requestId, roomBytes);
        }
        return "closed";
    }

    private boolean reserve(int frameBytes) {
        reserving = Thread.currentThread();
        try {
            if (closing) {
                return false;
            }
            admission.reserve(frameBytes);
            return true;
        } catch (InterruptedException e) {
            return false;
        } finally {
            reserving = null;
        }
    }

    private void deliver(ByteBuffer frame, long requestId, int roomBytes) {
        if (releaseOnAnswer) {
            synchronized (held) {
                if (closing) {
                    admission.release(roomBytes);
                    return;
                }
                held.put(requestId, roomBytes); // ids only grow: never one held already
                lent.put(requestId, frame);
            }
        }
        loop.execute(() -> {
            try {
                if (!closedReported) {
                    receiver.received(this, frame);
                }
            } finally {
                if (!releaseOnAnswer) {
                    admission.release(roomBytes);
                }
            }
        });
    }

    // --- writing ---

    private void startWriter(String name) {
        writer = Thread.ofVirtual().name(name).start(this::writeLoop);
    }

    private void writeLoop() {
        while (!closing) {
            writePending.set(false);
            outbox.drain();
            if (!writePending.get() && !closing) {
                LockSupport.park(this);
            }
        }
        outbox.fail(new IOException("connection closed: " + closeReason)); // reports what is still queued as not written
    }

    private static long requestIdOf(ByteBuffer frame) {
        return FrameCodec.decodeHeader(frame.duplicate()) instanceof DecodeResult.Ok<FrameHeader>(FrameHeader header)
                ? header.requestId() : NO_ANSWER;
    }

    private void giveBack(long requestId) {
        ByteBuffer frame;
        synchronized (held) {
            frame = lent.remove(requestId);
        }
        if (frame != null) {
            FrameBuffers.SHARED.give(frame);
        }
    }

    private void answered(long requestId) {
        synchronized (held) {
            Integer bytes = held.remove(requestId);
            if (bytes != null) {
                admission.release(bytes);
            }
        }
    }

    /** A frame in the outbox. */
    private final class Outgoing implements Outbox.Outgoing {
        private final ByteBuffer frame;
        private final ByteBuffer payload;
        private final boolean pooled;
        private final int bytes;
        private final long answers;

        /** {@code frame} a whole frame (payload null), or a header followed by {@code payload} (pooled: given back once written). */
        Outgoing(ByteBuffer frame, ByteBuffer payload, boolean pooled, int bytes, long answers) {
            this.frame = frame;
            this.payload = payload;
            this.pooled = pooled;
            this.bytes = bytes;
            this.answers = answers;
        }

        @Override
        public int buffers(ByteBuffer[] gather, int at) {
            gather[at] = frame;
            if (payload == null) {
                return 1;
            }
            gather[at + 1] = payload;
            return 2;
        }

        @Override
        public void written(IOException failure) {
            queuedBytes.addAndGet(-bytes);
            if (pooled) {
                FrameBuffers.SHARED.give(payload);
            }
            if (answers != NO_ANSWER) {
                answered(answers);
            }
        }
    }

    @Override
    public String toString() {
        return "FrameChannel[" + peer + (closing ? ", closed: " + closeReason : "") + "]";
    }
}
