package io.wharf.nbd.transmission;

import io.wharf.nbd.NbdError;
import io.wharf.nbd.NbdException;
import io.wharf.nbd.NbdExport;
import io.wharf.nbd.handshake.Session;
import io.wharf.nbd.wire.WireInput;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The transmission phase of one connection: {@link #run()} is the reader loop; requests run on the
 * reader or on virtual threads of their own. See the package documentation for the wire format and
 * threads.
 */
public final class Transmission {
    private static final Logger log = LoggerFactory.getLogger(Transmission.class);

    /** How the reader loop ended. In every case replies to requests in flight are sent before the socket closes. */
    public enum End {
        /** NBD_CMD_DISC. */
        DISCONNECT_REQUESTED,
        /** The client closed its side between requests. */
        CLIENT_CLOSED,
        /** The stream cannot be resynchronised (bad magic, oversized write payload). */
        PROTOCOL_ERROR
    }

    private enum Step { NEXT, HANDED_OFF, DISCONNECT, PROTOCOL_ERROR }

    /**
     * Export calls that usually finish faster than this run on the reader thread when the
     * connection has nothing else to do: handing a request to another thread costs more CPU and
     * latency than a page-cache read. Slower exports (disk, replication) always get a thread per
     * request so that a connection's requests overlap.
     */
    static final long INLINE_LIMIT_NANOS = 50_000;
    /** Larger reads always get a thread: copying them takes a while anyway. */
    static final long INLINE_MAX_READ_BYTES = 256 * 1024;
    /**
     * Larger writes always get a thread, so that receiving the next payload overlaps with writing
     * this one (measured: 64 KiB random writes gained about 40%).
     */
    static final long INLINE_MAX_WRITE_BYTES = 32 * 1024;

    private final Session session;
    private final SocketChannel channel;
    private final WireInput in;
    private final TransmissionLimits limits;
    private final Replies replies;
    private final Semaphore inFlight;
    private final Semaphore connectionBudget;
    private final int maxBuffers;
    private final ReentrantLock idleLock = new ReentrantLock();
    private final ArrayDeque<Request> idle = new ArrayDeque<>();
    private final Thread.Builder requestThreads = Thread.ofVirtual().name("nbd-request");
    /**
     * Moving averages of how long export calls take (nanoseconds), per kind (reads, writes,
     * everything else; FLUSH and FUA excluded): reads often hit a cache when writes do not.
     */
    private final AtomicLongArray exportCallNanos = new AtomicLongArray(new long[] {
            INLINE_LIMIT_NANOS, INLINE_LIMIT_NANOS, INLINE_LIMIT_NANOS});
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean unexpectedLogged;
    private volatile String writeFailure;
    private String endDetail = "";

    public Transmission(Session session, SocketChannel channel, WireInput in, TransmissionLimits limits) {
        this.session = session;
        this.channel = channel;
        this.in = in;
        this.limits = limits;
        this.replies = new Replies(channel, session.structuredReplies());
        this.inFlight = new Semaphore(limits.maxInFlight());
        this.connectionBudget = new Semaphore(limits.connectionBudgetPages());
        this.maxBuffers = Request.maxBuffers(limits.maxPayloadBytes());
    }

    /**
     * Reads and dispatches requests until the client disconnects or breaks the protocol.
     *
     * @throws IOException when the socket fails or is closed under the reader
     * @throws InterruptedException when the connection is being closed
     */
    public End run() throws IOException, InterruptedException {
        while (true) {
            inFlight.acquire();
            Request request = takeIdle();
            Step step = Step.NEXT;
            try {
                if (!in.fill(Command.REQUEST_BYTES)) {
                    endDetail = "client closed the connection";
                    return End.CLIENT_CLOSED;
                }
                int magic = in.getInt();
                if (magic != Command.REQUEST_MAGIC) {
                    endDetail = "bad request magic 0x" + Integer.toHexString(magic);
                    return End.PROTOCOL_ERROR;
                }
                request.flags = in.getUnsignedShort();
                request.type = in.getUnsignedShort();
                request.handle = in.getLong();
                request.offset = in.getLong();
                request.length = Integer.toUnsignedLong(in.getInt());
                requests.incrementAndGet();
                step = accept(request);
                switch (step) {
                    case NEXT, HANDED_OFF -> { }
                    case DISCONNECT -> {
                        endDetail = "client sent NBD_CMD_DISC";
                        return End.DISCONNECT_REQUESTED;
                    }
                    case PROTOCOL_ERROR -> {
                        return End.PROTOCOL_ERROR;
                    }
                }
            } finally {
                if (step != Step.HANDED_OFF) {
                    giveBack(request);
                }
            }
        }
    }

    /** Why {@link #run()} ended, for the log. */
    public String endDetail() {
        return endDetail;
    }

    /** Why a reply could not be written (which closes the connection), or null. */
    public String writeFailure() {
        return writeFailure;
    }

    public long requestCount() {
        return requests.get();
    }

    public long errorCount() {
        return errors.get();
    }

    /** When the reply write in progress started (System.nanoTime), or 0 if none is in progress. */
    public long writeStartedNanos() {
        return replies.writeStartedNanos();
    }

    /** Waits until no request is in flight; true if that happened within the timeout. */
    public boolean awaitIdle(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    long left = deadline - System.nanoTime();
                    if (inFlight.tryAcquire(limits.maxInFlight(), Math.max(0, left), TimeUnit.NANOSECONDS)) {
                        inFlight.release(limits.maxInFlight());
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

    long sizeBytes() {
        return session.sizeBytes();
    }

    /** Validates a request; answers it at once, or takes its payload and hands it to a request thread. */
    private Step accept(Request request) throws IOException, InterruptedException {
        return switch (request.type) {
            case Command.READ -> acceptRead(request);
            case Command.WRITE -> acceptWrite(request);
            case Command.FLUSH -> check(request, Command.FLAG_FUA, null);
            case Command.TRIM -> check(request, Command.FLAG_FUA, NbdError.EINVAL);
            case Command.WRITE_ZEROES -> acceptWriteZeroes(request);
            case Command.BLOCK_STATUS -> acceptBlockStatus(request);
            case Command.DISC -> Step.DISCONNECT;
            default -> answerError(request, NbdError.EINVAL, "unknown command " + request.type);
        };
    }

    private Step acceptRead(Request request) throws IOException, InterruptedException {
        if (request.length > limits.maxPayloadBytes()) {
            return answerError(request, NbdError.EINVAL, "read of " + request.length
                    + " bytes exceeds the maximum block size " + limits.maxPayloadBytes());
        }
        Step invalid = validate(request, Command.FLAG_FUA, NbdError.EINVAL);
        if (invalid != null) {
            return invalid;
        }
        if (request.length == 0) {
            request.outcome = Request.Outcome.DATA;
            return answer(request);
        }
        request.lease.acquire(request.length);
        return handOff(request);
    }

    private Step acceptWrite(Request request) throws IOException, InterruptedException {
        if (request.length > limits.maxPayloadBytes()) {
            answerError(request, NbdError.EINVAL, "write of " + request.length
                    + " bytes exceeds the maximum block size " + limits.maxPayloadBytes());
            endDetail = "write payload of " + request.length + " bytes above the maximum; cannot resynchronise";
            return Step.PROTOCOL_ERROR;
        }
        Step invalid = validate(request, Command.FLAG_FUA, NbdError.ENOSPC);
        if (invalid != null) {
            return invalid;
        }
        if (request.length == 0) {
            return answerDone(request);
        }
        request.lease.acquire(request.length);
        in.readFully(request.lease.buffers(), request.lease.count());
        request.lease.rewind();
        return handOff(request);
    }

    private Step acceptWriteZeroes(Request request) throws IOException, InterruptedException {
        Step invalid = validate(request, Command.FLAG_FUA | Command.FLAG_NO_HOLE | Command.FLAG_FAST_ZERO, NbdError.ENOSPC);
        if (invalid != null) {
            return invalid;
        }
        if (request.hasFlag(Command.FLAG_FAST_ZERO) && !fastZero(!request.hasFlag(Command.FLAG_NO_HOLE))) {
            return answerError(request, NbdError.ENOTSUP, "zeroing is not faster than writing on this export");
        }
        return request.length == 0 ? answerDone(request) : handOff(request);
    }

    /** An export that fails to answer is treated as unable to zero fast, which is always safe. */
    private boolean fastZero(boolean mayPunchHole) {
        try {
            return session.export().fastZero(mayPunchHole);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Step acceptBlockStatus(Request request) throws IOException, InterruptedException {
        if (!session.allocationContext()) {
            return answerError(request, NbdError.EINVAL, "no metadata context was negotiated");
        }
        if (request.length == 0) {
            return answerError(request, NbdError.EINVAL, "block status of length 0");
        }
        return check(request, Command.FLAG_FUA | Command.FLAG_REQ_ONE, NbdError.EINVAL);
    }

    /** Validates flags and range, then hands off (length 0 is answered at once). */
    private Step check(Request request, int allowedFlags, NbdError pastEnd) throws IOException, InterruptedException {
        Step invalid = validate(request, allowedFlags, pastEnd);
        if (invalid != null) {
            return invalid;
        }
        if (request.length == 0 && request.type != Command.FLUSH) {
            return answerDone(request);
        }
        return handOff(request);
    }

    /**
     * Answers invalid requests: bad flags, writes to a read-only export, a range past the end
     * ({@code pastEnd}, or no range check when null). Skips a write payload. Null when valid.
     */
    private Step validate(Request request, int allowedFlags, NbdError pastEnd) throws IOException, InterruptedException {
        boolean writes = request.type == Command.WRITE || request.type == Command.TRIM || request.type == Command.WRITE_ZEROES;
        NbdError error = null;
        String message = null;
        if ((request.flags & ~allowedFlags) != 0) {
            error = NbdError.EINVAL;
            message = "flags 0x" + Integer.toHexString(request.flags) + " are not valid for " + Command.name(request.type);
        } else if (writes && session.readOnly()) {
            error = NbdError.EPERM;
            message = "export '" + session.exportName() + "' is read-only";
        } else if (pastEnd != null && !inRange(request)) {
            error = pastEnd;
            message = "offset " + Long.toUnsignedString(request.offset) + " length " + request.length
                    + " is beyond the export size " + session.sizeBytes();
        }
        if (error == null) {
            return null;
        }
        if (request.type == Command.WRITE) {
            in.skip(request.length);
        }
        return answerError(request, error, message);
    }

    private boolean inRange(Request request) {
        long end = request.offset + request.length;
        return request.offset >= 0 && end >= request.offset && end <= session.sizeBytes();
    }

    private Step answerDone(Request request) throws IOException {
        request.done();
        return answer(request);
    }

    private Step answerError(Request request, NbdError error, String message) throws IOException {
        errors.incrementAndGet();
        request.fail(error, message);
        return answer(request);
    }

    /** Sends the reply from the reader thread; the slot is returned by the loop. */
    private Step answer(Request request) throws IOException {
        replies.send(request);
        return Step.NEXT;
    }

    private Step handOff(Request request) {
        if (runAsync(request)) {
            if (request.type == Command.WRITE && request.length > INLINE_MAX_WRITE_BYTES) {
                // sending a large payload on takes a while: the reader goes on receiving the next one meanwhile
                requestThreads.start(() -> startAsync(request));
            } else {
                startAsync(request);
            }
        } else if (runInline(request)) {
            complete(request);
        } else {
            requestThreads.start(request);
        }
        return Step.HANDED_OFF;
    }

    /**
     * Inline when that delays other requests of this connection by little: the export has
     * recently been fast, the payload is small, and the command does not wait for stable storage.
     * A slow call raises the average, and the following requests get threads of their own until
     * the export is fast again.
     */
    private boolean runInline(Request request) {
        long maxBytes = switch (request.type) {
            case Command.READ -> INLINE_MAX_READ_BYTES;
            case Command.WRITE -> INLINE_MAX_WRITE_BYTES;
            default -> Long.MAX_VALUE;
        };
        return exportCallNanos.get(kind(request)) < INLINE_LIMIT_NANOS
                && request.length <= maxBytes
                && !waitsForStableStorage(request);
    }

    private static boolean waitsForStableStorage(Request request) {
        return request.type == Command.FLUSH || request.hasFlag(Command.FLAG_FUA);
    }

    private void recordExportCall(Request request, long nanos) {
        if (!waitsForStableStorage(request)) {
            int kind = kind(request);
            long average = exportCallNanos.get(kind);
            exportCallNanos.set(kind, average + (nanos - average) / 8); // racy by design: a hint
        }
    }

    private static int kind(Request request) {
        return switch (request.type) {
            case Command.READ -> 0;
            case Command.WRITE -> 1;
            default -> 2;
        };
    }

    /**
     * Reads and writes that fit one buffer, and flushes, go to an asynchronous export without a thread of their
     * own: the export's completion sends the reply (see {@link NbdExport#asynchronous()}).
     */
    private boolean runAsync(Request request) {
        return switch (request.type) {
            case Command.READ, Command.WRITE -> request.lease.count() == 1 && session.export().asynchronous();
            case Command.FLUSH -> session.export().asynchronous();
            default -> false;
        };
    }

    /** Starts the export call on the reader; {@link #finishAsync} replies when the export completes it. */
    private void startAsync(Request request) {
        limits.exportCalls().acquireUninterruptibly();
        NbdExport export = session.export();
        NbdExport.Completion done = failure -> finishAsync(request, failure);
        try {
            switch (request.type) {
                case Command.READ -> export.readAsync(request.offset, request.lease.buffers()[0], done);
                case Command.WRITE -> export.writeAsync(request.offset, request.lease.buffers()[0], request.hasFlag(Command.FLAG_FUA), done);
                default -> export.flushAsync(done);
            }
        } catch (RuntimeException e) { // a broken export; it will not complete the call
            done.completed(e);
        }
    }

    private void finishAsync(Request request, Exception failure) {
        limits.exportCalls().release();
        if (failure != null) {
            fail(request, failure);
        } else if (request.type == Command.READ) {
            request.lease.rewind();
            request.outcome = Request.Outcome.DATA;
        } else {
            request.done();
        }
        reply(request);
    }

    /** Calls the export, sends the reply, returns the slot (on the reader or a request thread). */
    void complete(Request request) {
        limits.exportCalls().acquireUninterruptibly();
        long started = System.nanoTime();
        try {
            execute(request);
        } catch (Throwable t) {
            limits.exportCalls().release();
            giveBack(request);
            closeQuietly();
            throw t;
        }
        limits.exportCalls().release();
        recordExportCall(request, System.nanoTime() - started);
        reply(request);
    }

    /** Sends the request's reply and returns its slot; a reply that cannot be written closes the connection. */
    private void reply(Request request) {
        try {
            if (request.outcome == Request.Outcome.ERROR) {
                errors.incrementAndGet();
            }
            replies.send(request);
        } catch (IOException e) {
            if (writeFailure == null) {
                writeFailure = "reply write failed: " + e.getMessage();
            }
            closeQuietly();
        } catch (Throwable t) {
            closeQuietly();
            throw t;
        } finally {
            giveBack(request);
        }
    }

    private void execute(Request request) {
        NbdExport export = session.export();
        boolean fua = request.hasFlag(Command.FLAG_FUA);
        try {
            switch (request.type) {
                case Command.READ -> read(export, request);
                case Command.WRITE -> write(export, request, fua);
                case Command.FLUSH -> export.flush();
                case Command.TRIM -> export.trim(request.offset, request.length, fua);
                case Command.WRITE_ZEROES -> export.writeZeroes(request.offset, request.length,
                        !request.hasFlag(Command.FLAG_NO_HOLE), fua);
                case Command.BLOCK_STATUS -> {
                    request.startExtents(request.hasFlag(Command.FLAG_REQ_ONE));
                    export.blockStatus(request.offset, request.length, request);
                    request.finishExtents();
                    return;
                }
                default -> throw new IllegalStateException("not dispatchable: " + request.type);
            }
            if (request.type != Command.READ) {
                request.done();
            }
        } catch (IOException | RuntimeException e) {
            fail(request, e);
        }
    }

    /** The reply for a failed export call: an {@link NbdException}'s error, else EIO. */
    private void fail(Request request, Exception failure) {
        switch (failure) {
            case NbdException e -> request.fail(e.error(), e.getMessage());
            case IOException _ -> request.fail(NbdError.EIO, "I/O error on export '" + session.exportName() + "'");
            default -> {
                if (!unexpectedLogged) {
                    unexpectedLogged = true;
                    log.atWarn().setMessage("export failed unexpectedly; answering EIO")
                            .addKeyValue("export", session.exportName())
                            .addKeyValue("command", Command.name(request.type))
                            .setCause(failure).log();
                }
                request.fail(NbdError.EIO, "internal error on export '" + session.exportName() + "'");
            }
        }
    }

    private void read(NbdExport export, Request request) throws IOException {
        ByteBuffer[] buffers = request.lease.buffers();
        long offset = request.offset;
        for (int i = 0; i < request.lease.count(); i++) {
            int length = buffers[i].remaining();
            export.read(offset, buffers[i]);
            offset += length;
        }
        request.lease.rewind();
        request.outcome = Request.Outcome.DATA;
    }

    private void write(NbdExport export, Request request, boolean fua) throws IOException {
        ByteBuffer[] buffers = request.lease.buffers();
        int count = request.lease.count();
        if (count == 1) {
            export.write(request.offset, buffers[0], fua);
            return;
        }
        long offset = request.offset;
        for (int i = 0; i < count; i++) {
            int length = buffers[i].remaining();
            export.write(offset, buffers[i], false);
            offset += length;
        }
        if (fua) {
            export.flush();
        }
    }

    private Request takeIdle() {
        idleLock.lock();
        try {
            Request request = idle.pollFirst();
            if (request != null) {
                return request;
            }
        } finally {
            idleLock.unlock();
        }
        return new Request(this, limits.pool().newLease(connectionBudget, limits.maxPayloadBytes()), maxBuffers);
    }

    private void giveBack(Request request) {
        request.reset();
        idleLock.lock();
        try {
            idle.addFirst(request);
        } finally {
            idleLock.unlock();
        }
        inFlight.release();
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing after a failed write; nothing more to do
        }
    }
}
