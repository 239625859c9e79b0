package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.replication.wire.DecodeError;
import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.ExtentRun;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.Status;
import io.wharf.storage.ExtentSink;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * A volume whose data lives in another node's pool, reached through a {@link ReplicaClient}: the
 * NBD layer serves it exactly like a local {@link Volume}. Safe for concurrent calls; every call is
 * pipelined with the others on the client's shared connections.
 *
 * <p>Failures are those of a local volume: an out-of-range request throws
 * {@link IllegalArgumentException} (checked here against the size the peer reported, and by the peer),
 * a refusal the {@link WharfException} the peer's volume threw, an I/O failure on the peer, a lost
 * connection or no reply within the timeout a {@link PeerException} (an {@link IOException} naming
 * the peer). After a connection failure the next call reconnects.
 *
 * <p>Reads and writes over 1 MiB, and trims, zeroings and maps over 1 GiB, go out as several
 * requests in flight at once; as with a local volume, a failed multi-part write may have written
 * some parts.
 */
public final class RemoteVolume implements AsyncVolume, AutoCloseable {
    /** Range requests (trim, zero, extents) are split at this size: aligned, and inside the wire's u32 length. */
    static final long MAX_RANGE_PART_BYTES = 1L << 30;
    private static final int MAX_IO_PART_BYTES = FrameCodec.MAX_PAYLOAD_BYTES;

    private final ReplicaClient client;
    private final String volumeId;
    private final long epoch;
    private final String openKey;
    private volatile long sizeBytes;

    private RemoteVolume(ReplicaClient client, String volumeId, long epoch) {
        this.client = client;
        this.volumeId = volumeId;
        this.epoch = epoch;
        this.openKey = ClientConnection.openKey(volumeId, epoch);
    }

    static RemoteVolume open(ReplicaClient client, String volumeId, long epoch) throws IOException {
        RemoteVolume volume = new RemoteVolume(client, volumeId, epoch);
        volume.handleOn(client.connection());
        return volume;
    }

    /** The peer this volume's data is on. */
    public String peer() {
        return client.peer();
    }

    public long epoch() {
        return epoch;
    }

    @Override
    public String id() {
        return volumeId;
    }

    /** The size the peer reported when the volume was last opened on a connection. */
    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    /** Reads through {@link #readAsync}, waiting for it: one code path for the parts of both. */
    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        Waiter waiter = new Waiter();
        readAsync(offset, dst, waiter);
        waiter.await();
        dst.position(dst.position() + length);
    }

    /**
     * Starts reading {@code dst.remaining()} bytes from {@code offset} and returns; {@code done} is
     * called exactly once, when {@code dst} is filled or the read failed, on the thread that finished
     * the last part (usually the connection's reader; possibly this one, before returning). The caller
     * waits only for free request slots and, on a connection's first use, for the volume to open
     * there. {@code dst}'s position is left unchanged; nothing touches it after {@code done}.
     */
    @Override
    public void readAsync(long offset, ByteBuffer dst, Done done) {
        int length = dst.remaining();
        startAsync(offset, length, done, "READ", (handle, partOffset, at, partLength) -> new AsyncPart(
                id -> new Message.Read(id, handle, epoch, partOffset, partLength), dst.slice(dst.position() + at, partLength)));
    }

    /** As {@link #readAsync}, for a write; with {@code fua} durable on the peer before {@code done} is called. */
    @Override
    public void writeAsync(long offset, ByteBuffer src, boolean fua, Done done) {
        int length = src.remaining();
        startAsync(offset, length, done, "WRITE", (handle, partOffset, at, partLength) -> new AsyncPart(
                id -> new Message.Write(id, handle, epoch, partOffset, src.slice(src.position() + at, partLength), fua), null));
    }

    /** As {@link #readAsync}, for a flush: {@code done} is called once every earlier write is durable on the peer. */
    @Override
    public void flushAsync(Done done) {
        ClientConnection connection;
        int handle;
        try {
            connection = client.connection();
            handle = handleOn(connection);
        } catch (IOException | RuntimeException e) {
            done.done(e);
            return;
        }
        Countdown countdown = new Countdown(connection, 1, done, "FLUSH");
        try {
            connection.submitAsync(id -> new Message.Flush(id, handle, epoch), null, countdown);
        } catch (PeerException | RuntimeException e) {
            countdown.abandon(1, e);
        }
    }

    /** One part of an asynchronous read or write: its request and, for a read, where its data goes. */
    private record AsyncPart(LongFunction<Message> request, ByteBuffer readInto) { }

    @FunctionalInterface
    private interface AsyncParts {
        AsyncPart part(int handle, long partOffset, int at, int partLength);
    }

    private void startAsync(long offset, int length, Done done, String what, AsyncParts parts) {
        Countdown countdown;
        int count;
        ClientConnection connection;
        int handle;
        try {
            checkRange(offset, length);
            if (length == 0) {
                done.done(null);
                return;
            }
            connection = client.connection();
            handle = handleOn(connection);
            count = (length + MAX_IO_PART_BYTES - 1) / MAX_IO_PART_BYTES;
            countdown = new Countdown(connection, count, done, what);
        } catch (IOException | RuntimeException e) {
            done.done(e);
            return;
        }
        for (int submitted = 0; submitted < count; submitted++) {
            int at = submitted * MAX_IO_PART_BYTES;
            AsyncPart part = parts.part(handle, offset + at, at, Math.min(MAX_IO_PART_BYTES, length - at));
            try {
                connection.submitAsync(part.request(), part.readInto(), countdown);
            } catch (PeerException | RuntimeException e) {
                countdown.abandon(count - submitted, e);
                return;
            }
        }
    }

    /**
     * Turns an asynchronous call into a blocking one. Parks without a timeout, as callers of the
     * connection do: the client's watchdog fails a connection whose requests are overdue, which
     * completes the call.
     */
    private static final class Waiter implements Done {
        private final Thread thread = Thread.currentThread();
        private volatile boolean finished;
        private Exception failure; // written before finished, read after

        @Override
        public void done(Exception outcome) {
            failure = outcome;
            finished = true;
            LockSupport.unpark(thread);
        }

        void await() throws IOException {
            boolean interrupted = false;
            while (!finished) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
        }
    }

    /** Collects the outcomes of an asynchronous call's parts and calls its {@link Done} once all are in. */
    private final class Countdown implements ClientConnection.ReplyHandler {
        private final ClientConnection connection;
        private final AtomicInteger left;
        private final Done done;
        private final String what;
        private final AtomicReference<Exception> first = new AtomicReference<>();

        Countdown(ClientConnection connection, int parts, Done done, String what) {
            this.connection = connection;
            this.left = new AtomicInteger(parts);
            this.done = done;
            this.what = what;
        }

        @Override
        public void replied(Message reply, PeerException failure) {
            Exception error = failure;
            if (error == null && reply instanceof Message.Reply answer && answer.status() != Status.OK) {
                error = connection.replyError(reply, what + " " + volumeId);
            }
            settle(1, error);
        }

        /** Parts that were never sent: they fail with the submit's exception. */
        void abandon(int parts, Exception failure) {
            settle(parts, failure);
        }

        private void settle(int parts, Exception error) {
            if (error != null) {
                first.compareAndSet(null, error);
            }
            if (left.addAndGet(-parts) == 0) {
                done.done(first.get());
            }
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        write(offset, src, false);
    }

    /** Writes {@code src.remaining()} bytes at {@code offset}; with {@code fua} durable when this returns (one round trip). */
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        int length = src.remaining();
        Waiter waiter = new Waiter();
        writeAsync(offset, src, fua, waiter);
        waiter.await();
        src.position(src.position() + length);
    }

    @Override
    public void flush() throws IOException {
        ClientConnection connection = client.connection();
        int handle = handleOn(connection);
        connection.awaitReply(connection.submit(id -> new Message.Flush(id, handle, epoch), null), "FLUSH " + volumeId);
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        ranges(offset, length, "TRIM", (handle, partOffset, partLength) ->
                id -> new Message.Trim(id, handle, epoch, partOffset, partLength, false));
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole) throws IOException {
        ranges(offset, length, "WRITE_ZEROES", (handle, partOffset, partLength) ->
                id -> new Message.WriteZeroes(id, handle, epoch, partOffset, partLength, mayPunchHole, false));
    }

    /**
     * Asks the peer for the map part by part (each reply covers a prefix of what was asked) and
     * reports maximal runs, as a local volume does: runs of equal state that arrive in separate
     * replies are joined.
     */
    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        checkRange(offset, length);
        long end = offset + length;
        long position = offset;
        long runLength = 0;
        boolean runAllocated = false;
        while (position < end) {
            List<ExtentRun> runs = extentsPart(position, Math.min(end - position, MAX_RANGE_PART_BYTES));
            for (ExtentRun run : runs) {
                long take = Math.min(run.lengthBytes(), end - position);
                if (take <= 0) {
                    break;
                }
                if (runLength > 0 && run.allocated() == runAllocated) {
                    runLength += take;
                } else {
                    if (runLength > 0 && !sink.extent(runLength, runAllocated)) {
                        return;
                    }
                    runLength = take;
                    runAllocated = run.allocated();
                }
                position += take;
            }
        }
        if (runLength > 0) {
            sink.extent(runLength, runAllocated);
        }
    }

    private List<ExtentRun> extentsPart(long offset, long length) throws IOException {
        ClientConnection connection = client.connection();
        int handle = handleOn(connection);
        Message reply = connection.awaitReply(connection.submit(id -> new Message.Extents(id, handle, epoch, offset, length), null),
                "EXTENTS " + volumeId);
        if (!(reply instanceof Message.Reply answer)) {
            throw protocolError(connection, "EXTENTS answered with " + reply.type());
        }
        return switch (ExtentRun.decode(answer.payload())) {
            case DecodeResult.Ok<List<ExtentRun>>(List<ExtentRun> runs) when !runs.isEmpty() -> runs;
            case DecodeResult.Ok<List<ExtentRun>> _ -> throw protocolError(connection, "EXTENTS of " + length + " bytes answered with no runs");
            case DecodeResult.Malformed<List<ExtentRun>>(DecodeError error) -> throw protocolError(connection, "EXTENTS reply: " + error);
            case DecodeResult.Incomplete<List<ExtentRun>> incomplete -> throw new AssertionError(incomplete);
        };
    }

    /** Resizing is done where the data is; a remote view sees the new size through {@link #refreshSize}. */
    @Override
    public void resize(long newSizeBytes) {
        throw new WharfException(ErrorCode.INVALID_ARGUMENT, "volume " + volumeId + " is served from node " + peer()
                + "; it cannot be resized through a remote view", "resize the volume on the node that holds its data");
    }

    /** 0: a remote view holds no data blocks on this node; the peer's pool accounts for them. */
    @Override
    public long allocatedBytes() {
        return 0;
    }

    /** Closes this volume's handles on the peer (best effort); the client stays open for other volumes. */
    @Override
    public void close() {
        for (ClientConnection connection : client.openConnections()) {
            connection.forget(volumeId, epoch);
        }
    }

    /** Builds the request for one part of a range. */
    @FunctionalInterface
    private interface RangePart {
        LongFunction<Message> request(int handle, long partOffset, long partLength);
    }

    private void ranges(long offset, long length, String what, RangePart part) throws IOException {
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        ClientConnection connection = client.connection();
        int handle = handleOn(connection);
        int parts = (int) ((length + MAX_RANGE_PART_BYTES - 1) / MAX_RANGE_PART_BYTES);
        PendingRequest[] pending = new PendingRequest[parts];
        int submitted = 0;
        IOException failure = null;
        try {
            for (; submitted < parts; submitted++) {
                long at = submitted * MAX_RANGE_PART_BYTES;
                pending[submitted] = connection.submit(part.request(handle, offset + at, Math.min(MAX_RANGE_PART_BYTES, length - at)), null);
            }
        } catch (PeerException e) {
            failure = e;
        }
        finish(connection, pending, submitted, what, failure);
    }

    /**
     * Waits for every submitted part (their buffers are the caller's until then), then throws the
     * first failure: of submitting, or of a part.
     */
    private void finish(ClientConnection connection, PendingRequest[] pending, int submitted, String what, IOException submitFailure)
            throws IOException {
        Exception first = submitFailure;
        for (int i = 0; i < submitted; i++) {
            try {
                connection.awaitReply(pending[i], what + " " + volumeId);
            } catch (IOException | RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (first != null) {
            throw (IOException) first;
        }
    }

    /** The volume's handle on {@code connection}, opening it there on first use. */
    private int handleOn(ClientConnection connection) throws IOException {
        Message.Opened opened = connection.open(openKey, volumeId, epoch);
        grow(opened.sizeBytes());
        return opened.volumeHandle();
    }

    /** Volumes only grow; a connection that opened the volume before a resize must not shrink the view again. */
    private synchronized void grow(long reported) {
        if (reported > sizeBytes) {
            sizeBytes = reported;
        }
    }

    /**
     * Asks the peer for the volume's size now (after a resize where the data is) and returns it;
     * requests from then on may reach the new end.
     */
    public long refreshSize() throws IOException {
        grow(client.connection().reopen(openKey, volumeId, epoch).sizeBytes());
        return sizeBytes;
    }

    private void checkRange(long offset, long length) {
        long size = sizeBytes;
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IllegalArgumentException("INVALID_ARGUMENT: range [" + offset + ", +" + length + ") is outside volume "
                    + volumeId + " of " + size + " bytes (on replica peer " + peer() + ")");
        }
    }

    private static PeerException protocolError(ClientConnection connection, String what) {
        PeerException error = new PeerException(connection.peer(), "protocol error: " + what);
        connection.fail(error);
        return error.rethrown();
    }
}
