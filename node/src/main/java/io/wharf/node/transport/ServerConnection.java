package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.nbd.buffer.BufferPool;
import io.wharf.replication.sync.frames.FrameServer;
import io.wharf.replication.wire.DecodeError;
import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.ExtentRun;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.FrameHeader;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.MessageType;
import io.wharf.replication.wire.Status;
import io.wharf.replication.wire.SyncFrameCodec;
import io.wharf.replication.wire.SyncFrameHeader;
import io.wharf.storage.Volume;
import io.wharf.storage.layer.LayerFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer connection of a {@link ReplicaServer}: {@link #run()}, on its own platform thread, reads
 * frames; requests run on that thread or on virtual threads of their own (see the package
 * documentation); replies go out through the connection's {@link Outbox} in completion order.
 *
 * <p>The first request after Hello decides what the connection carries, for good: a version-1
 * request makes it a version-1 connection (a synchronous-replication frame on it is a protocol
 * error); a synchronous-replication frame makes it a frame connection ({@link FrameChannel}), whose
 * every frame goes whole to the server's {@link FrameHost} (a version-1 OPEN on it is a protocol
 * error, answered by closing).
 */
final class ServerConnection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    /** Read-ahead: many pipelined request headers (or small writes) per system call. */
    static final int READ_AHEAD_BYTES = 64 * 1024;
    /** Volumes one connection may hold open. */
    static final int MAX_OPEN_VOLUMES = 1024;
    /** Reads up to this size are small (see {@link CallPace}). */
    static final int INLINE_MAX_READ_BYTES = 256 * 1024;
    /** Writes up to this size are small. */
    static final int INLINE_MAX_WRITE_BYTES = 32 * 1024;
    /** The kinds of volume call {@link #pace} averages apart. */
    private static final int READS = 0;
    private static final int WRITES = 1;
    private static final int OTHERS = 2;

    /** The payload of requests that carry none; never modified (decoding only reads views of it). */
    private static final ByteBuffer NO_PAYLOAD = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /**
     * A volume opened on this connection.
     *
     * @param owned a view this connection opened and closes with the handle (a snapshot's), or null for a pool volume
     */
    record OpenVolume(String volumeId, Volume volume, long epoch, AutoCloseable owned) {}

    /** What a greeted connection carries, decided by its first request. */
    private enum Mode { UNDECIDED, VERSION_1, FRAMES }

    private final long id;
    private final SocketChannel channel;
    private final ServerContext context;
    private final String remote;
    private final long acceptedNanos;
    private final Outbox outbox;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final Semaphore connectionBudget;
    private final ConcurrentLinkedDeque<ServerRequest> idle = new ConcurrentLinkedDeque<>();
    private final Map<Integer, OpenVolume> handles = new ConcurrentHashMap<>();
    private final Thread.Builder requestThreads = Thread.ofVirtual().name("replica-request");
    /** Which volume calls run on the reader: reads, writes, the rest. */
    private final CallPace pace = new CallPace(INLINE_MAX_READ_BYTES, INLINE_MAX_WRITE_BYTES, Long.MAX_VALUE);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean greeted;
    private volatile String closeReason;
    private volatile boolean unexpectedLogged;
    private volatile Thread thread;
    /** Set once the connection carries synchronous replication. */
    private volatile FrameChannel frameLink;
    private String peerNode = "?";
    private int nextHandle = 1;
    /** Reader only. */
    private Mode mode = Mode.UNDECIDED;

    ServerConnection(long id, SocketChannel channel, ServerContext context, long acceptedNanos) {
        this.id = id;
        this.channel = channel;
        this.context = context;
        this.acceptedNanos = acceptedNanos;
        this.remote = remoteOf(channel);
        this.maxInFlight = context.config().maxRequestsInFlightPerConnection();
        this.inFlight = new Semaphore(maxInFlight);
        this.connectionBudget = new Semaphore((int) (context.config().maxConnectionBufferBytes() / BufferPool.PAGE_BYTES));
        this.outbox = new Outbox(channel, failure -> close("reply write failed: " + failure.getMessage()));
    }

    long id() {
        return id;
    }

    Thread start(Thread.Builder threads) {
        Thread started = threads.unstarted(this);
        thread = started;
        started.start();
        return started;
    }

    @Override
    public void run() {
        String reason = "unknown";
        BufferPool.Borrowed readAhead = null;
        try {
            readAhead = context.buffers().borrow(READ_AHEAD_BYTES);
            reason = serve(new FrameInput(channel, readAhead.buffer(), outbox::drain));
        } catch (EOFException e) {
            reason = closeReason != null ? closeReason : "peer closed the connection inside a frame";
        } catch (IOException e) {
            reason = closeReason != null ? closeReason : "I/O error: " + e.getMessage();
        } catch (InterruptedException e) {
            reason = closeReason != null ? closeReason : "interrupted";
        } catch (RuntimeException e) {
            reason = "internal error: " + e;
            log.atWarn().setMessage("replica connection failed").addKeyValue("connection", id).addKeyValue("remote", remote)
                    .setCause(e).log();
        } finally {
            finish(reason, readAhead);
        }
    }

    private String serve(FrameInput in) throws IOException, InterruptedException {
        while (true) {
            if (greeted && mode == Mode.UNDECIDED) {
                // the first request after Hello decides what the connection carries, for good
                if (SyncFrameCodec.isSyncType(in.peekTypeCode())) {
                    mode = Mode.FRAMES;
                    return frames(in);
                }
                mode = Mode.VERSION_1;
            }
            acquire(inFlight, 1);
            ServerRequest request = takeIdle();
            try {
                DecodeResult<FrameHeader> result = in.readHeader();
                String end = switch (result) {
                    case DecodeResult.Incomplete<FrameHeader> _ -> closeReason != null ? closeReason : "peer closed the connection";
                    case DecodeResult.Malformed<FrameHeader>(DecodeError error) -> SyncFrameCodec.isSyncType(in.typeCodeAhead())
                            ? garbage("a synchronous-replication frame (type 0x" + Integer.toHexString(in.typeCodeAhead()) + ") "
                                    + (greeted ? "on a version-1 connection" : "before HELLO"))
                            : garbage("malformed frame: " + error);
                    case DecodeResult.Ok<FrameHeader>(FrameHeader header) -> {
                        requests.incrementAndGet();
                        yield accept(in, request, header);
                    }
                };
                if (end != null) {
                    return end;
                }
            } finally {
                if (!request.dispatched) {
                    giveBack(request);
                }
            }
        }
    }

    /**
     * Serves the rest of the connection as frames of synchronous replication: each whole frame goes
     * to this connection's {@link io.wharf.replication.sync.frames.FrameServer} on the host's loop,
     * and its replies come back through the outbox. Runs on this reader thread until the connection
     * ends; returns why.
     */
    private String frames(FrameInput in) throws IOException, InterruptedException {
        FrameHost host = context.frames();
        if (host == null) {
            return refuseFrames(in);
        }
        FrameServer[] server = new FrameServer[1]; // on the loop only
        FrameChannel link = FrameChannel.serving(channel, outbox, peerNode + " (" + remote + ")", host.loop(),
                new FrameChannel.Receiver() {
                    @Override
                    public void received(FrameChannel from, ByteBuffer frame) {
                        server[0].receive(frame);
                    }

                    @Override
                    public void closed(FrameChannel from, String reason) {
                        server[0].close();
                    }
                }, frameAdmission(), 2 * context.config().maxConnectionBufferBytes());
        frameLink = link;
        if (closeReason != null) { // closed from outside before the link existed
            link.close(closeReason);
        }
        host.loop().execute(() -> server[0] = host.serve(link)); // before any frame: the loop runs tasks in order
        log.atDebug().setMessage("replica connection carries synchronous replication").addKeyValue("connection", id)
                .addKeyValue("remote", remote).addKeyValue("peerNode", peerNode).log();
        String reason = link.readFrames(in);
        return closeReason != null ? closeReason : reason;
    }

    /** Room for the frames of requests not yet answered: this connection's budget and the server's. */
    private FrameChannel.Admission frameAdmission() {
        // a frame of a whole payload and its header may be a page more than the smallest budget allowed
        int maxPages = (int) (context.config().maxConnectionBufferBytes() / BufferPool.PAGE_BYTES);
        return new FrameChannel.Admission() {
            @Override
            public void reserve(int frameBytes) throws InterruptedException {
                int pages = pages(frameBytes);
                connectionBudget.acquire(pages);
                try {
                    context.bufferBudget().acquire(pages);
                } catch (InterruptedException e) {
                    connectionBudget.release(pages);
                    throw e;
                }
            }

            @Override
            public void release(int frameBytes) {
                int pages = pages(frameBytes);
                context.bufferBudget().release(pages);
                connectionBudget.release(pages);
            }

            private int pages(int frameBytes) {
                return (int) Math.min(BufferPool.pagesFor(frameBytes), maxPages);
            }
        };
    }

    /** Without a replica host: answers the first synchronous-replication request with an error, then closes. */
    private String refuseFrames(FrameInput in) throws IOException, InterruptedException {
        ByteBuffer header = in.peekHeader();
        if (header == null) {
            return "peer closed the connection";
        }
        SyncFrameHeader sync = switch (SyncFrameCodec.decodeHeader(header)) {
            case DecodeResult.Ok<SyncFrameHeader>(SyncFrameHeader decoded) -> decoded;
            case DecodeResult.Malformed<SyncFrameHeader>(DecodeError error) -> null;
            case DecodeResult.Incomplete<SyncFrameHeader> incomplete -> throw new AssertionError(incomplete);
        };
        if (sync == null) {
            return garbage("malformed synchronous-replication frame");
        }
        in.readFully(ByteBuffer.allocate(FrameCodec.HEADER_BYTES + sync.payloadLength())); // read whole, so that the reply is not lost to a reset
        String refusal = "node " + context.config().nodeId() + " does not serve synchronous replication (it has no replica host)";
        acquire(inFlight, 1);
        answerNow(takeIdle(), Message.Reply.error(sync.requestId(), Status.UNAVAILABLE, ErrorCode.UNAVAILABLE, refusal));
        log.atWarn().setMessage("replica connection refused: synchronous replication is not served here").addKeyValue("remote", remote)
                .addKeyValue("peerNode", peerNode).log();
        return "refused: " + refusal;
    }

    /** Answers or dispatches one request; returns why to close the connection, or null to go on. */
    private String accept(FrameInput in, ServerRequest request, FrameHeader header) throws IOException, InterruptedException {
        MessageType type = header.type();
        if (!type.isRequest()) {
            return garbage(type + " sent to the server");
        }
        if (greeted == (type == MessageType.HELLO)) {
            return garbage(greeted ? "a second HELLO" : type + " before HELLO");
        }
        return switch (type) {
            case HELLO, OPEN, CLOSE -> session(in, request, header);
            case READ, WRITE, FLUSH, TRIM, WRITE_ZEROES, EXTENTS -> volumeRequest(in, request, header);
            case HELLO_OK, OPENED, REPLY -> throw new AssertionError(type);
        };
    }

    private String session(FrameInput in, ServerRequest request, FrameHeader header) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(header.payloadLength());
        in.readFully(payload);
        return switch (FrameCodec.decodeBody(header, payload.flip())) {
            case DecodeResult.Malformed<Message>(DecodeError error) -> garbage("malformed " + header.type() + ": " + error);
            case DecodeResult.Incomplete<Message> incomplete -> throw new AssertionError(incomplete);
            case DecodeResult.Ok<Message>(Message message) -> switch (message) {
                case Message.Hello hello -> hello(request, hello);
                case Message.Open open -> {
                    answerNow(request, open(open));
                    yield null;
                }
                case Message.Close close -> {
                    OpenVolume closed = handles.remove(close.volumeHandle());
                    release(closed);
                    answerNow(request, closed == null ? unknownHandle(close.requestId(), close.volumeHandle())
                            : Message.Reply.ok(close.requestId()));
                    yield null;
                }
                case Message.HelloOk _, Message.Opened _, Message.Read _, Message.Write _, Message.Flush _, Message.Trim _,
                        Message.WriteZeroes _, Message.Extents _, Message.Reply _ -> throw new AssertionError(message);
            };
        };
    }

    private String hello(ServerRequest request, Message.Hello hello) {
        ReplicaServerConfig config = context.config();
        Message answer;
        String refusal = null;
        if (hello.protocolVersion() != FrameCodec.PROTOCOL_VERSION) {
            refusal = "peer speaks replication protocol version " + hello.protocolVersion() + "; node " + config.nodeId()
                    + " speaks only version " + FrameCodec.PROTOCOL_VERSION;
            answer = Message.Reply.error(hello.requestId(), Status.UNSUPPORTED_VERSION, ErrorCode.UNAVAILABLE, refusal);
        } else if (!hello.clusterId().equals(config.clusterId())) {
            refusal = "peer " + hello.nodeId() + " belongs to cluster '" + hello.clusterId() + "'; node " + config.nodeId()
                    + " to cluster '" + config.clusterId() + "'";
            answer = Message.Reply.error(hello.requestId(), Status.CLUSTER_MISMATCH, ErrorCode.UNAVAILABLE, refusal);
        } else {
            greeted = true;
            peerNode = hello.nodeId();
            answer = new Message.HelloOk(hello.requestId(), FrameCodec.PROTOCOL_VERSION, config.clusterId(), config.nodeId());
        }
        answerNow(request, answer);
        if (refusal != null) {
            log.atWarn().setMessage("replica HELLO refused").addKeyValue("remote", remote).addKeyValue("peerNode", hello.nodeId())
                    .addKeyValue("reason", refusal).log();
            return "HELLO refused: " + refusal;
        }
        log.atDebug().setMessage("replica connection opened").addKeyValue("connection", id).addKeyValue("remote", remote)
                .addKeyValue("peerNode", peerNode).log();
        return null;
    }

    private Message open(Message.Open open) {
        int at = open.volumeId().indexOf('@');
        String volumeId = at > 0 ? open.volumeId().substring(0, at) : open.volumeId();
        Optional<Volume> volume = context.pool().volume(volumeId);
        if (volume.isEmpty()) {
            return Message.Reply.error(open.requestId(), Status.VOLUME_NOT_FOUND, ErrorCode.VOLUME_NOT_FOUND,
                    "volume " + volumeId + " is not in the pool of node " + context.config().nodeId());
        }
        if (handles.size() >= MAX_OPEN_VOLUMES) {
            return Message.Reply.error(open.requestId(), Status.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT,
                    "a connection may hold at most " + MAX_OPEN_VOLUMES + " volumes open");
        }
        return at > 0 ? openSnapshot(open, volumeId, open.volumeId().substring(at + 1)) : opened(open, volume.get(), null);
    }

    /** Gives {@code volume} the next handle of this connection. */
    private Message.Opened opened(Message.Open open, Volume volume, AutoCloseable owned) {
        int handle = nextHandle;
        nextHandle = nextHandle == Integer.MAX_VALUE ? 1 : nextHandle + 1;
        handles.put(handle, new OpenVolume(open.volumeId(), volume, open.epoch(), owned));
        return new Message.Opened(open.requestId(), handle, open.epoch(), volume.sizeBytes(), LayerFile.BLOCK_BYTES);
    }

    /**
     * Opens a snapshot of a pool volume read-only ({@code VOLUME@SNAPSHOT}, or {@code VOLUME@SNAPSHOT^BASE}
     * for extents that say what changed since snapshot BASE: {@link SnapshotChanges}), for a node that copies
     * snapshots to a copy being rebuilt. The view is closed with its handle.
     */
    private Message openSnapshot(Message.Open open, String volumeId, String snapshot) {
        SnapshotChanges view;
        try {
            view = SnapshotChanges.open(context.pool(), volumeId, snapshot);
        } catch (IOException | RuntimeException e) {
            return WireErrors.reply(open.requestId(), e);
        }
        return opened(open, view, view);
    }

    /** Closes what a handle owned (a snapshot's view). */
    private void release(OpenVolume closed) {
        if (closed != null && closed.owned() != null) {
            try {
                closed.owned().close();
            } catch (Exception e) {
                log.atDebug().addKeyValue("volume", closed.volumeId()).addKeyValue("error", e.toString()).log("closing a view failed");
            }
        }
    }

    private static Message.Reply unknownHandle(long requestId, int handle) {
        return Message.Reply.error(requestId, Status.UNKNOWN_HANDLE, ErrorCode.INVALID_ARGUMENT,
                "volume handle " + Integer.toUnsignedString(handle) + " is not open on this connection");
    }

    /** Reads a write's payload, reserves a read's buffer, and runs the request inline or on its own thread. */
    private String volumeRequest(FrameInput in, ServerRequest request, FrameHeader header) throws IOException, InterruptedException {
        request.header = header;
        int payloadBytes = header.type() == MessageType.WRITE ? header.payloadLength()
                : header.type() == MessageType.READ ? (int) header.length() : 0;
        if (payloadBytes > 0) {
            int pages = (int) BufferPool.pagesFor(payloadBytes);
            acquire(connectionBudget, pages);
            try {
                acquire(context.bufferBudget(), pages);
            } catch (InterruptedException e) {
                connectionBudget.release(pages);
                throw e;
            }
            request.holdPayload(context.buffers().borrow(payloadBytes), pages);
            if (header.type() == MessageType.WRITE) {
                in.readFully(request.payload());
            }
        }
        OpenVolume target = handles.get(header.volumeHandle());
        if (target == null) {
            answerNow(request, unknownHandle(header.requestId(), header.volumeHandle()));
            return null;
        }
        request.target = target;
        request.dispatched = true;
        if (runInline(header)) {
            complete(request, true);
        } else {
            requestThreads.start(request);
        }
        return null;
    }

    /**
     * Runs a request's volume call and queues its reply; on the reader ({@code inline}) the reply is
     * written with others before the reader next blocks.
     */
    void complete(ServerRequest request, boolean inline) {
        try {
            FrameHeader header = request.header;
            Message.Reply reply;
            context.volumeCalls().acquireUninterruptibly();
            long started = System.nanoTime();
            try {
                reply = execute(request);
            } finally {
                context.volumeCalls().release();
            }
            if (reply == null) {
                giveBack(request);
                return;
            }
            recordCall(header, System.nanoTime() - started);
            request.reply(reply);
            if (inline) {
                outbox.enqueue(request);
            } else {
                outbox.send(request);
            }
        } catch (Throwable t) {
            close("internal error: " + t);
            throw t;
        }
    }

    /** The reply to a volume request, or null when its payload was corrupt (the connection is then closed). */
    private Message.Reply execute(ServerRequest request) {
        FrameHeader header = request.header;
        ByteBuffer payload = header.type() == MessageType.WRITE ? request.payload() : NO_PAYLOAD;
        Message message = switch (FrameCodec.decodeBody(header, payload)) {
            case DecodeResult.Ok<Message>(Message decoded) -> decoded;
            case DecodeResult.Malformed<Message>(DecodeError error) -> {
                close(garbage("malformed " + header.type() + ": " + error));
                yield null;
            }
            case DecodeResult.Incomplete<Message> incomplete -> throw new AssertionError(incomplete);
        };
        if (message == null) {
            return null;
        }
        try {
            return call(request, message);
        } catch (IOException | RuntimeException e) {
            errors.incrementAndGet();
            if (!(e instanceof IOException || e instanceof IllegalArgumentException || e instanceof WharfException) && !unexpectedLogged) {
                unexpectedLogged = true;
                log.atWarn().setMessage("volume call failed unexpectedly; answering INTERNAL").addKeyValue("volume", request.target.volumeId())
                        .addKeyValue("request", header.type()).setCause(e).log();
            }
            return WireErrors.reply(header.requestId(), e);
        }
    }

    private Message.Reply call(ServerRequest request, Message message) throws IOException {
        Volume volume = request.target.volume();
        long id = message.requestId();
        return switch (message) {
            case Message.Read read -> {
                ByteBuffer data = request.payload();
                volume.read(read.offset(), data);
                yield Message.Reply.data(id, data.flip());
            }
            case Message.Write write -> {
                volume.write(write.offset(), write.data());
                flushIf(volume, write.fua());
                yield Message.Reply.ok(id);
            }
            case Message.Flush _ -> {
                volume.flush();
                yield Message.Reply.ok(id);
            }
            case Message.Trim trim -> {
                volume.trim(trim.offset(), trim.length());
                flushIf(volume, trim.fua());
                yield Message.Reply.ok(id);
            }
            case Message.WriteZeroes zeroes -> {
                volume.writeZeroes(zeroes.offset(), zeroes.length(), zeroes.mayPunchHole());
                flushIf(volume, zeroes.fua());
                yield Message.Reply.ok(id);
            }
            case Message.Extents extents -> {
                List<ExtentRun> runs = new ArrayList<>();
                volume.extents(extents.offset(), extents.length(), (length, allocated) -> {
                    runs.add(new ExtentRun(length, allocated));
                    return runs.size() < ExtentRun.MAX_RUNS;
                });
                yield Message.Reply.extents(id, runs);
            }
            case Message.Hello _, Message.HelloOk _, Message.Open _, Message.Opened _, Message.Close _, Message.Reply _ ->
                    throw new AssertionError(message);
        };
    }

    private static void flushIf(Volume volume, boolean fua) throws IOException {
        if (fua) {
            volume.flush();
        }
    }

    private boolean runInline(FrameHeader header) {
        return !waitsForStableStorage(header) && pace.fast(kind(header), header.length());
    }

    private static boolean waitsForStableStorage(FrameHeader header) {
        return header.type() == MessageType.FLUSH || header.hasFlag(Message.FLAG_FUA);
    }

    private void recordCall(FrameHeader header, long nanos) {
        if (!waitsForStableStorage(header)) {
            pace.record(kind(header), header.length(), nanos);
        }
    }

    private static int kind(FrameHeader header) {
        return switch (header.type()) {
            case READ -> READS;
            case WRITE -> WRITES;
            default -> OTHERS;
        };
    }

    /** Sends a reply from the reader at once (session messages, refusals). */
    private void answerNow(ServerRequest request, Message reply) {
        request.reply(reply);
        request.dispatched = true;
        outbox.send(request);
    }

    /** Acquires permits, first writing queued replies if it has to wait (they may be what frees the permits). */
    private void acquire(Semaphore semaphore, int permits) throws InterruptedException {
        if (!semaphore.tryAcquire(permits)) {
            outbox.drain();
            semaphore.acquire(permits);
        }
    }

    /** Logs a peer that broke the protocol; returns the close reason. */
    private String garbage(String what) {
        log.atWarn().setMessage("replica peer sent garbage; closing its connection").addKeyValue("connection", id)
                .addKeyValue("remote", remote).addKeyValue("peerNode", peerNode).addKeyValue("reason", what).log();
        return "protocol error: " + what;
    }

    private ServerRequest takeIdle() {
        ServerRequest request = idle.pollFirst();
        if (request == null) {
            return new ServerRequest(this);
        }
        request.dispatched = false;
        return request;
    }

    void giveBack(ServerRequest request) {
        int pages = request.payloadPages();
        request.reset();
        if (pages > 0) {
            context.bufferBudget().release(pages);
            connectionBudget.release(pages);
        }
        idle.addFirst(request);
        inFlight.release();
    }

    private void finish(String reason, BufferPool.Borrowed readAhead) {
        closeChannel();
        outbox.fail(new IOException("connection closed: " + reason));
        boolean idleInTime = awaitIdle(context.config().ioTimeoutMs());
        handles.values().forEach(this::release);
        if (readAhead != null) {
            readAhead.release();
        }
        if (!idleInTime) {
            log.atWarn().setMessage("replica connection closed with volume calls still running").addKeyValue("connection", id).log();
        }
        log.atDebug().setMessage("replica connection closed").addKeyValue("connection", id).addKeyValue("remote", remote)
                .addKeyValue("peerNode", peerNode).addKeyValue("reason", reason).addKeyValue("requests", requests.get())
                .addKeyValue("errors", errors.get())
                .addKeyValue("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos)).log();
        finished.countDown();
        context.finished().accept(this);
    }

    private boolean awaitIdle(long timeoutMs) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            while (true) {
                try {
                    if (inFlight.tryAcquire(maxInFlight, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        inFlight.release(maxInFlight);
                        return true;
                    }
                    return false;
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

    /** Closes the connection from outside (server closing, watchdog); requests running finish, their replies are dropped. */
    void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        FrameChannel link = frameLink;
        if (link != null) {
            link.close(reason);
        }
        closeChannel();
    }

    boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!finished.await(timeout, unit)) {
            return false;
        }
        Thread running = thread;
        return running == null || running.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }

    /** Cuts off a peer that has not said Hello, or has not taken a reply, within the timeout. */
    void enforceTimeout(long nowNanos, long timeoutNanos) {
        if (!greeted && nowNanos - acceptedNanos > timeoutNanos) {
            close("no HELLO within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            return;
        }
        long started = outbox.writeStartedNanos();
        if (started != 0 && nowNanos - started > timeoutNanos) {
            close("peer did not take a reply within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // already broken; nothing more to release
        }
    }

    private static String remoteOf(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return "unknown";
        }
    }
}
