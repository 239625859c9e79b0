package io.wharf.nbd.connection;

import io.wharf.nbd.buffer.BufferPool;
import io.wharf.nbd.handshake.Handshake;
import io.wharf.nbd.handshake.Negotiation;
import io.wharf.nbd.handshake.Session;
import io.wharf.nbd.transmission.Transmission;
import io.wharf.nbd.wire.WireInput;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** One client connection; {@link #run()} on its own platform thread does all of its work. */
public final class Connection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** Read-ahead per connection: many pipelined request headers per system call. */
    static final int READ_AHEAD_BYTES = 64 * 1024;

    private final long id;
    private final SocketChannel channel;
    private final ConnectionContext context;
    private final String remote;
    private final long acceptedNanos;
    private final CountDownLatch finished = new CountDownLatch(1);

    private volatile String exportName;
    private volatile Transmission transmission;
    private volatile Thread thread;
    private volatile String closeReason;

    public Connection(long id, SocketChannel channel, ConnectionContext context, long acceptedNanos) {
        this.id = id;
        this.channel = channel;
        this.context = context;
        this.acceptedNanos = acceptedNanos;
        this.remote = remoteOf(channel);
    }

    public long id() {
        return id;
    }

    /** The export this connection uses or is about to use; null while negotiating. */
    public String exportName() {
        return exportName;
    }

    /**
     * Whether the connection is in (or committed to) the transmission phase: its export is set
     * before the final handshake reply is sent, so a client that has entered transmission is
     * always counted.
     */
    public boolean transmitting() {
        return exportName != null && finished.getCount() > 0;
    }

    /** Starts {@link #run()} on a thread from {@code threads}; the connection keeps the thread to join it. */
    public Thread start(Thread.Builder threads) {
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
            if (closeReason != null) {
                reason = closeReason;
                return;
            }
            readAhead = context.limits().pool().borrow(READ_AHEAD_BYTES);
            reason = serve(new WireInput(channel, readAhead.buffer()));
        } catch (EOFException e) {
            reason = "client closed inside a message";
        } catch (ClosedChannelException e) {
            reason = closeReason != null ? closeReason : writeFailureOr("connection closed");
        } catch (IOException e) {
            reason = closeReason != null ? closeReason : "I/O error: " + e.getMessage();
        } catch (InterruptedException e) {
            reason = closeReason != null ? closeReason : "interrupted";
        } catch (RuntimeException e) {
            reason = "internal error: " + e;
            log.atWarn().setMessage("NBD connection failed").addKeyValue("connection", id)
                    .addKeyValue("export", exportName).setCause(e).log();
        } finally {
            finish(reason, readAhead);
        }
    }

    private String serve(WireInput in) throws IOException, InterruptedException {
        Handshake handshake = new Handshake(context.exports(), in, channel, context.limits().maxPayloadBytes(),
                name -> exportName = name);
        return switch (handshake.run()) {
            case Negotiation.Ended ended -> ended.reason();
            case Session session -> transmit(in, session);
        };
    }

    private String transmit(WireInput in, Session session) throws IOException, InterruptedException {
        exportName = session.exportName();
        Transmission started = new Transmission(session, channel, in, context.limits());
        transmission = started;
        log.atDebug().setMessage("NBD connection opened").addKeyValue("connection", id).addKeyValue("remote", remote)
                .addKeyValue("export", session.exportName()).addKeyValue("sizeBytes", session.sizeBytes())
                .addKeyValue("readOnly", session.readOnly()).addKeyValue("structuredReplies", session.structuredReplies())
                .addKeyValue("blockStatus", session.allocationContext()).log();
        started.run();
        // answer what is in flight before closing; a client that does not read is cut off by the watchdog
        started.awaitIdle(context.ioTimeoutMs(), TimeUnit.MILLISECONDS);
        return started.endDetail();
    }

    private String writeFailureOr(String fallback) {
        Transmission current = transmission;
        String failure = current == null ? null : current.writeFailure();
        return failure != null ? failure : fallback;
    }

    private void finish(String reason, BufferPool.Borrowed readAhead) {
        closeChannel();
        Transmission ended = transmission;
        boolean idle = ended == null || ended.awaitIdle(context.ioTimeoutMs(), TimeUnit.MILLISECONDS);
        if (readAhead != null) {
            readAhead.release();
        }
        Thread.interrupted();
        if (!idle) {
            log.atWarn().setMessage("NBD connection closed with requests still running in the export")
                    .addKeyValue("connection", id).addKeyValue("export", exportName).log();
        }
        if (ended != null) {
            log.atDebug().setMessage("NBD connection closed").addKeyValue("connection", id).addKeyValue("remote", remote)
                    .addKeyValue("export", exportName).addKeyValue("reason", reason)
                    .addKeyValue("requests", ended.requestCount()).addKeyValue("errors", ended.errorCount())
                    .addKeyValue("durationMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos)).log();
        } else {
            log.atDebug().setMessage("NBD connection closed during handshake").addKeyValue("connection", id)
                    .addKeyValue("remote", remote).addKeyValue("reason", reason).log();
        }
        finished.countDown();
        context.finished().accept(this);
    }

    /** Closes the connection from outside; requests in flight are cut off. Does not wait. */
    public void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        closeChannel();
        Thread running = thread;
        if (running != null) {
            running.interrupt();
        }
    }

    /** Waits until the connection has released everything and its thread has ended. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!finished.await(timeout, unit)) {
            return false;
        }
        Thread running = thread;
        return running == null || running.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }

    public boolean finished() {
        return finished.getCount() == 0;
    }

    /**
     * Closes the connection if its handshake has run longer than the timeout, or if a reply has
     * waited for the client longer than the timeout.
     */
    public void enforceTimeout(long nowNanos, long timeoutNanos) {
        Transmission current = transmission;
        if (current == null) {
            if (nowNanos - acceptedNanos > timeoutNanos) {
                close("handshake not finished within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
            return;
        }
        long started = current.writeStartedNanos();
        if (started != 0 && nowNanos - started > timeoutNanos) {
            close("client did not take a reply within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
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
