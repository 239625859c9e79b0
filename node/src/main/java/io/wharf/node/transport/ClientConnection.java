package io.wharf.node.transport;

import io.wharf.replication.wire.DecodeError;
import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.FrameHeader;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.MessageType;
import io.wharf.replication.wire.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection to a replica peer, shared by many callers: each request takes a slot, its frame
 * goes out through the {@link Outbox} (batched with other callers'), and the connection's reader
 * thread pairs replies with slots by request id (the slot index is the id's low bits). A failure of
 * the connection fails every request waiting on it; the connection is then dead, and the
 * {@link ReplicaClient} opens a new one on the next call.
 */
final class ClientConnection {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    static final int SLOT_BITS = 16;
    static final int READ_AHEAD_BYTES = 64 * 1024;

    private final ReplicaClientConfig config;
    private final String peer;
    private final SocketChannel channel;
    private final Outbox outbox;
    private final PendingRequest[] slots;
    private final ConcurrentLinkedDeque<PendingRequest> idle = new ConcurrentLinkedDeque<>();
    private final Semaphore free;
    private final AtomicLong sequence = new AtomicLong(1);
    private final AtomicReference<PeerException> failure = new AtomicReference<>();
    /** Volumes opened on this connection, by volume id and epoch. */
    private final Map<String, Message.Opened> opened = new ConcurrentHashMap<>();
    private final Object openLock = new Object();
    private final long timeoutNanos;
    private final FrameInput in;
    private ByteBuffer scratch = ByteBuffer.allocate(4096);
    private volatile boolean closing;
    private volatile String peerNode = "?";
    private Thread reader;

    private ClientConnection(ReplicaClientConfig config, SocketChannel channel) {
        this.config = config;
        this.peer = config.peer();
        this.channel = channel;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        this.outbox = new Outbox(channel, e -> fail(new PeerException(peer, "connection lost: " + e.getMessage(), e)));
        this.slots = new PendingRequest[config.maxRequestsInFlightPerConnection()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new PendingRequest(i, this::finishAsync);
            idle.add(slots[i]);
        }
        this.free = new Semaphore(slots.length);
        this.in = new FrameInput(channel, ByteBuffer.allocateDirect(READ_AHEAD_BYTES), () -> { });
    }

    /**
     * Connects, starts the reader and says Hello; fails with a {@link PeerException} naming the peer.
     *
     * @param watch told about the connection before anyone waits on it: callers park without a
     *              timeout, so a connection must be under the watchdog from its first request (Hello) on
     */
    static ClientConnection open(ReplicaClientConfig config, int index, Consumer<ClientConnection> watch) throws IOException {
        SocketChannel channel = SocketChannel.open();
        ClientConnection connection = null;
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.socket().connect(new InetSocketAddress(config.host(), config.port()), (int) Math.min(Integer.MAX_VALUE,
                    config.requestTimeoutMs()));
            connection = new ClientConnection(config, channel);
            watch.accept(connection);
            connection.reader = Thread.ofPlatform().daemon(true).name("replica-client-" + config.peer() + "-" + index)
                    .start(connection::readLoop);
            connection.hello();
            return connection;
        } catch (IOException | RuntimeException e) {
            if (connection != null) {
                connection.close();
            } else {
                channel.close();
            }
            if (e instanceof PeerException || e instanceof RuntimeException) {
                throw e;
            }
            throw new PeerException(config.peer(), "cannot connect: " + e.getMessage(), e);
        }
    }

    String peer() {
        return peer;
    }

    /** Whether calls can use this connection (it has not failed or been closed). */
    boolean usable() {
        return failure.get() == null;
    }

    private void hello() throws IOException {
        PendingRequest request = submit(id -> new Message.Hello(id, FrameCodec.PROTOCOL_VERSION, config.clusterId(), config.nodeId()), null);
        switch (awaitReply(request, "HELLO")) {
            case Message.HelloOk ok when ok.protocolVersion() == FrameCodec.PROTOCOL_VERSION && ok.clusterId().equals(config.clusterId()) -> {
                peerNode = ok.nodeId();
                log.atInfo().setMessage("replica connection opened").addKeyValue("peer", peer).addKeyValue("peerNode", peerNode).log();
            }
            case Message.HelloOk ok -> throw protocolError("peer answered HELLO with protocol version " + ok.protocolVersion()
                    + " and cluster '" + ok.clusterId() + "'; this node speaks version " + FrameCodec.PROTOCOL_VERSION
                    + " in cluster '" + config.clusterId() + "'");
            case Message other -> throw protocolError("peer answered HELLO with " + other.type());
        }
    }

    /** The key of a volume opened at an epoch; callers compute it once (it is looked up on every request). */
    static String openKey(String volumeId, long epoch) {
        return volumeId + "@" + epoch;
    }

    /**
     * The volume's handle and size on this connection, opening it on first use.
     *
     * @param key {@link #openKey}{@code (volumeId, epoch)}
     * @throws io.wharf.core.WharfException VOLUME_NOT_FOUND when the peer's pool has no such volume
     */
    Message.Opened open(String key, String volumeId, long epoch) throws IOException {
        Message.Opened known = opened.get(key);
        if (known != null) {
            return known;
        }
        synchronized (openLock) {
            known = opened.get(key);
            if (known != null) {
                return known;
            }
            PendingRequest request = submit(id -> new Message.Open(id, volumeId, epoch), null);
            if (!(awaitReply(request, "OPEN " + volumeId) instanceof Message.Opened result)) {
                throw protocolError("peer answered OPEN with something else than OPENED");
            }
            opened.put(key, result);
            return result;
        }
    }

    /**
     * Opens the volume again (a new handle, with its size now) and caches that; the previous handle
     * stays open for requests still using it, until the connection closes.
     */
    Message.Opened reopen(String key, String volumeId, long epoch) throws IOException {
        synchronized (openLock) {
            PendingRequest request = submit(id -> new Message.Open(id, volumeId, epoch), null);
            if (!(awaitReply(request, "OPEN " + volumeId) instanceof Message.Opened result)) {
                throw protocolError("peer answered OPEN with something else than OPENED");
            }
            opened.put(key, result);
            return result;
        }
    }

    /** Closes the volume's handle on this connection if it has one; failures only mean the connection is gone. */
    void forget(String volumeId, long epoch) {
        Message.Opened known = opened.remove(openKey(volumeId, epoch));
        if (known == null || !usable()) {
            return;
        }
        try {
            awaitReply(submit(id -> new Message.Close(id, known.volumeHandle(), epoch), null), "CLOSE " + volumeId);
        } catch (IOException | RuntimeException e) {
            log.atDebug().setMessage("closing a remote volume handle failed").addKeyValue("peer", peer).addKeyValue("volume", volumeId)
                    .setCause(e).log();
        }
    }

    /**
     * Receives the outcome of an asynchronous request, exactly once: its reply (a REPLY, possibly an
     * error; a read's data has been checked) or the failure. It runs on the thread that finished
     * the request: the connection's reader, a thread whose gathering write sent the frame (under
     * the outbox lock: it must not send on this connection), or one failing the connection.
     */
    @FunctionalInterface
    interface ReplyHandler {
        void replied(Message reply, PeerException failure);
    }

    /**
     * Sends a request: takes a slot (waiting for one up to the timeout), builds the message with the
     * slot's request id and queues its frame. Always pair with {@link #await}.
     *
     * @param readInto for a read, where its data goes; null otherwise
     */
    PendingRequest submit(LongFunction<Message> build, ByteBuffer readInto) throws PeerException {
        return submit(build, readInto, null);
    }

    /**
     * Sends a request whose outcome goes to {@code handler} instead of a waiting thread; the caller
     * does not wait for anything but a free slot. The caller's buffers are the request's until the
     * handler has been called.
     */
    void submitAsync(LongFunction<Message> build, ByteBuffer readInto, ReplyHandler handler) throws PeerException {
        submit(build, readInto, Objects.requireNonNull(handler));
    }

    private PendingRequest submit(LongFunction<Message> build, ByteBuffer readInto, ReplyHandler handler) throws PeerException {
        PendingRequest request = takeSlot();
        Message message;
        try {
            message = build.apply((sequence.getAndIncrement() << SLOT_BITS) | request.slot);
        } catch (RuntimeException e) {
            giveBack(request);
            throw e;
        }
        request.prepare(message, readInto, System.nanoTime() + timeoutNanos, handler);
        PeerException failed = failure.get();
        if (failed != null) {
            request.failIfWaiting(failed);
            request.written(failed);
        } else {
            outbox.send(request);
        }
        return request;
    }

    /**
     * Waits until the request has finished (bounded: at the deadline the connection is failed, which
     * ends its I/O at once), gives its slot back, and returns its reply: HELLO_OK, OPENED, or a REPLY
     * (possibly an error). A read's data has been checked against its checksum.
     *
     * @throws PeerException when the connection failed, or the read data is corrupt
     */
    Message await(PendingRequest request) throws PeerException {
        try {
            waitFinished(request);
            return outcome(request);
        } finally {
            giveBack(request);
        }
    }

    /** Hands a finished asynchronous request's outcome to its handler, after giving its slot back. */
    private void finishAsync(PendingRequest request) {
        ReplyHandler handler = request.handler;
        Message reply = null;
        PeerException failure = null;
        try {
            reply = outcome(request);
        } catch (PeerException e) {
            failure = e;
        } finally {
            giveBack(request);
        }
        handler.replied(reply, failure);
    }

    /** A finished request's reply; a read's data is checked against its checksum here. */
    private Message outcome(PendingRequest request) throws PeerException {
        if (request.dataReceived) {
            int computed = FrameCodec.checksum(request.readInto);
            if (computed != request.dataChecksum) {
                PeerException corrupt = new PeerException(peer, "READ reply data failed its CRC32C check (sent 0x"
                        + Integer.toHexString(request.dataChecksum) + ", computed 0x" + Integer.toHexString(computed) + ")");
                fail(corrupt);
                throw corrupt.rethrown();
            }
            return Message.Reply.ok(request.requestId);
        }
        if (request.reply != null) {
            return request.reply;
        }
        throw request.failure.rethrown();
    }

    /** {@link #await} and turns an error reply into the exception a local volume would throw. */
    Message awaitReply(PendingRequest request, String what) throws IOException {
        Message reply = await(request);
        Exception mapped = replyError(reply, what);
        if (mapped instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (mapped != null) {
            throw (IOException) mapped;
        }
        return reply;
    }

    /** For an error reply the exception a local volume would throw (an IOException or a RuntimeException); else null. */
    Exception replyError(Message reply, String what) {
        if (reply instanceof Message.Reply failed && failed.status() != Status.OK) {
            return WireErrors.exception(peer, what, failed);
        }
        return null;
    }

    /**
     * Parks until the request has finished. Untimed: a timed park of a virtual thread arms and
     * cancels a timer per request, which measured as a large share of a remote read's CPU. The
     * deadline is enforced by the {@link ReplicaClient}'s watchdog, which fails the connection (and
     * so finishes the request) once it has passed; the check here after each wake-up is a second line.
     */
    private void waitFinished(PendingRequest request) {
        boolean interrupted = false;
        while (!request.finished()) {
            if (System.nanoTime() - request.deadlineNanos > 0) {
                fail(new PeerException(peer, "no reply to " + request.type + " within " + config.requestTimeoutMs() + " ms"));
                // failed and closed: the reader and the outbox give up at once
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
            } else {
                LockSupport.park(this);
            }
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private PendingRequest takeSlot() throws PeerException {
        long deadline = System.nanoTime() + timeoutNanos;
        boolean interrupted = false;
        try {
            while (true) {
                checkUsable();
                try {
                    if (free.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        PendingRequest request = idle.pollFirst();
                        if (request == null) { // the connection failed and released every waiter
                            free.release();
                            checkUsable();
                            throw new AssertionError("a free permit without a free slot");
                        }
                        return request;
                    }
                    throw new PeerException(peer, "all " + slots.length + " request slots stayed busy for "
                            + config.requestTimeoutMs() + " ms");
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void giveBack(PendingRequest request) {
        request.reset();
        idle.addFirst(request);
        free.release();
    }

    private void checkUsable() throws PeerException {
        PeerException failed = failure.get();
        if (failed != null) {
            throw failed.rethrown();
        }
    }

    private PeerException protocolError(String what) {
        PeerException error = new PeerException(peer, "protocol error: " + what);
        fail(error);
        return error.rethrown();
    }

    /** The reader: pairs each reply with its slot, reading a read's data straight into the caller's buffer. */
    private void readLoop() {
        PendingRequest receiving = null;
        try {
            while (true) {
                FrameHeader header = switch (in.readHeader()) {
                    case DecodeResult.Ok<FrameHeader>(FrameHeader decoded) -> decoded;
                    case DecodeResult.Incomplete<FrameHeader> _ -> null;
                    case DecodeResult.Malformed<FrameHeader>(DecodeError error) -> {
                        fail(new PeerException(peer, "malformed frame from the peer: " + error));
                        yield null;
                    }
                };
                if (header == null) {
                    fail(new PeerException(peer, "connection lost: the peer closed it"));
                    return;
                }
                receiving = claim(header);
                if (receiving == null) {
                    return;
                }
                receive(receiving, header);
                receiving = null;
            }
        } catch (IOException | RuntimeException e) {
            fail(new PeerException(peer, "connection lost: " + e.getMessage(), e));
            if (receiving != null) {
                receiving.receiveFailed(failure.get());
            }
        } catch (Error e) {
            fail(new PeerException(peer, "reader failed: " + e, e));
            if (receiving != null) {
                receiving.receiveFailed(failure.get());
            }
            throw e;
        }
    }

    /** The slot a reply belongs to, claimed for receiving; null (and the connection failed) if there is none. */
    private PendingRequest claim(FrameHeader header) {
        if (header.type().isRequest()) {
            fail(new PeerException(peer, "protocol error: the peer sent a request (" + header.type() + ")"));
            return null;
        }
        long slot = header.requestId() & ((1L << SLOT_BITS) - 1);
        PendingRequest request = slot < slots.length ? slots[(int) slot] : null;
        if (request == null || !request.beginReceive()) {
            fail(new PeerException(peer, "protocol error: reply to request " + header.requestId() + ", which is not waiting"));
            return null;
        }
        if (request.requestId != header.requestId()) {
            fail(new PeerException(peer, "protocol error: reply to request " + header.requestId() + ", which is not waiting"));
            request.receiveFailed(failure.get());
            return null;
        }
        return request;
    }

    private void receive(PendingRequest request, FrameHeader header) throws IOException {
        ByteBuffer data = request.readInto;
        if (data != null && header.type() == MessageType.REPLY && header.status() == Status.OK) {
            if (header.payloadLength() != data.remaining()) {
                fail(new PeerException(peer, "protocol error: READ of " + data.remaining() + " bytes answered with "
                        + header.payloadLength()));
                request.receiveFailed(failure.get());
                return;
            }
            in.readFully(data.duplicate());
            request.receivedData(header.payloadChecksum()); // the caller checks it, off the reader thread
            return;
        }
        ByteBuffer payload = scratch(header.payloadLength());
        in.readFully(payload);
        switch (FrameCodec.decodeBody(header, payload.flip())) {
            case DecodeResult.Ok<Message>(Message message) -> request.received(detach(message));
            case DecodeResult.Malformed<Message>(DecodeError error) -> {
                fail(new PeerException(peer, "malformed frame from the peer: " + error));
                request.receiveFailed(failure.get());
            }
            case DecodeResult.Incomplete<Message> incomplete -> throw new AssertionError(incomplete);
        }
    }

    private ByteBuffer scratch(int bytes) {
        if (scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocate(Math.max(bytes, 2 * scratch.capacity()));
        }
        return scratch.clear().limit(bytes);
    }

    /** A copy of a reply's payload: the scratch buffer is reused for the next frame. */
    private static Message detach(Message message) {
        if (message instanceof Message.Reply reply && reply.payload().hasRemaining()) {
            ByteBuffer copy = ByteBuffer.allocate(reply.payload().remaining()).put(reply.payload().duplicate()).flip();
            return new Message.Reply(reply.requestId(), reply.status(), copy);
        }
        return message;
    }

    /**
     * Fails the connection (first cause wins): closes the socket and fails every request not being
     * received into; the reader finishes that one when its read fails. Safe from any thread.
     */
    void fail(PeerException cause) {
        if (!failure.compareAndSet(null, cause)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing a broken socket; nothing more to release
        }
        outbox.fail(cause);
        for (PendingRequest request : slots) {
            request.failIfWaiting(cause);
        }
        free.release(slots.length); // wakes callers waiting for a slot: they see the failure
        if (!closing) {
            log.atWarn().setMessage("replica connection failed").addKeyValue("peer", peer).addKeyValue("peerNode", peerNode)
                    .addKeyValue("reason", cause.getMessage()).log();
        }
    }

    /**
     * Fails a connection whose peer has not taken a frame, or answered a request, within the timeout.
     * This is what bounds a caller's wait (callers park without a timeout).
     */
    void enforceTimeout(long nowNanos) {
        long started = outbox.writeStartedNanos();
        if (started != 0 && nowNanos - started > timeoutNanos) {
            fail(new PeerException(peer, "the peer did not take a request within " + config.requestTimeoutMs() + " ms"));
            return;
        }
        for (PendingRequest request : slots) {
            int state = request.state();
            if ((state == PendingRequest.WAITING || state == PendingRequest.RECEIVING) && nowNanos - request.deadlineNanos > 0) {
                fail(new PeerException(peer, "no reply to " + request.type + " within " + config.requestTimeoutMs() + " ms"));
                return;
            }
        }
    }

    /** Fails every request still waiting and ends the reader. */
    void close() {
        closing = true;
        fail(new PeerException(peer, "connection closed by this node"));
        Thread thread = reader;
        if (thread != null && thread != Thread.currentThread()) {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join(Duration.ofMillis(config.requestTimeoutMs()));
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
