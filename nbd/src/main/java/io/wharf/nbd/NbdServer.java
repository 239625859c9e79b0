package io.wharf.nbd;

import io.wharf.nbd.buffer.BufferPool;
import io.wharf.nbd.connection.Connection;
import io.wharf.nbd.connection.ConnectionContext;
import io.wharf.nbd.transmission.TransmissionLimits;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An NBD server (fixed newstyle handshake, structured replies, {@code base:allocation} block
 * status, multi-connection) serving the exports of an {@link NbdExports}.
 *
 * <p>Life cycle: construct, {@link #start()}, {@link #close()}. Thread-safe.
 *
 * <p>To delete an export that clients may be using: remove it from the {@link NbdExports} first,
 * so no new connection can choose it, then call {@link #disconnectAll(String)}.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NbdServer.class);
    private static final int BACKLOG = 128;

    private enum State { NEW, RUNNING, CLOSED }

    private final NbdServerConfig config;
    private final NbdExports exports;
    private final BufferPool pool;
    private final ConnectionContext context;
    private final Map<Long, Connection> connections = new ConcurrentHashMap<>();
    /** Threads of connections, kept until they have ended so that close() can join every one. */
    private final Map<Long, Thread> connectionThreads = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong refused = new AtomicLong();

    private State state = State.NEW;
    private ServerSocketChannel listener;
    private Thread acceptThread;
    private ScheduledExecutorService watchdog;
    private volatile int boundPort = -1;

    public NbdServer(NbdServerConfig config, NbdExports exports) {
        this.config = config;
        this.exports = exports;
        this.pool = new BufferPool(config.maxBufferBytes(), config.maxBufferBytes() / 2);
        TransmissionLimits limits = new TransmissionLimits(pool, new Semaphore(config.ioThreads()),
                config.maxRequestsInFlightPerConnection(), config.maxPayloadBytes(),
                (int) (config.connectionBufferBytes() / BufferPool.PAGE_BYTES));
        this.context = new ConnectionContext(exports, limits, config.ioTimeoutMs(), c -> connections.remove(c.id()));
    }

    /**
     * Binds and starts accepting connections.
     *
     * @throws java.net.BindException when the address or port is in use or not available
     * @throws IllegalStateException when already started or closed
     */
    public synchronized void start() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("NBD server is " + state.name().toLowerCase());
        }
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(config.bindHost(), config.port()), BACKLOG);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        listener = channel;
        boundPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        state = State.RUNNING;
        acceptThread = Thread.ofPlatform().name("nbd-accept-" + boundPort).daemon(true).start(this::acceptLoop);
        watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("nbd-watchdog-" + boundPort).daemon(true).factory());
        long periodMs = Math.clamp(config.ioTimeoutMs() / 4, 10, 1000);
        watchdog.scheduleWithFixedDelay(this::enforceTimeouts, periodMs, periodMs, TimeUnit.MILLISECONDS);
        log.atInfo().setMessage("NBD server listening").addKeyValue("bindHost", config.bindHost())
                .addKeyValue("port", boundPort).addKeyValue("maxConnections", config.maxConnections())
                .addKeyValue("maxRequestsInFlightPerConnection", config.maxRequestsInFlightPerConnection())
                .addKeyValue("maxPayloadBytes", config.maxPayloadBytes()).addKeyValue("ioThreads", config.ioThreads())
                .addKeyValue("maxBufferBytes", config.maxBufferBytes()).addKeyValue("ioTimeoutMs", config.ioTimeoutMs()).log();
    }

    /** The port listened on (the chosen one when configured with port 0). */
    public int port() {
        int port = boundPort;
        if (port < 0) {
            throw new IllegalStateException("NBD server is not started");
        }
        return port;
    }

    /** Connections in the transmission phase on {@code exportName}, its growable view's ({@link GrowableExport}) included. */
    public int connectionCount(String exportName) {
        int count = 0;
        for (Connection connection : connections.values()) {
            if (connection.transmitting() && uses(connection, exportName)) {
                count++;
            }
        }
        return count;
    }

    /** Connections open now, including ones still negotiating. */
    public int connectionCount() {
        return connections.size();
    }

    /** Connections refused because {@code maxConnections} were open. */
    public long refusedConnectionCount() {
        return refused.get();
    }

    /** Payload bytes held by requests now, over all connections. */
    public long bufferedBytes() {
        return pool.leasedBytes();
    }

    /**
     * Closes every connection using (or entering transmission with) {@code exportName} or its
     * growable view ({@link GrowableExport}), and waits until they have finished and their requests
     * have left the export.
     *
     * @return how many connections were closed
     */
    public int disconnectAll(String exportName) {
        List<Connection> closing = new ArrayList<>();
        for (Connection connection : connections.values()) {
            if (uses(connection, exportName)) {
                connection.close("export '" + exportName + "' disconnected by the server");
                closing.add(connection);
            }
        }
        awaitFinished(closing);
        if (!closing.isEmpty()) {
            log.atInfo().setMessage("NBD export disconnected").addKeyValue("export", exportName)
                    .addKeyValue("connections", closing.size()).log();
        }
        return closing.size();
    }

    /** Whether {@code connection} chose {@code exportName}, or the growable view of it. */
    private static boolean uses(Connection connection, String exportName) {
        String chosen = connection.exportName();
        return chosen != null && (chosen.equals(exportName) || GrowableExport.countedAs(chosen).equals(exportName));
    }

    /** Stops accepting, closes every connection and waits for their threads. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            boolean wasRunning = state == State.RUNNING;
            state = State.CLOSED;
            if (!wasRunning) {
                pool.close();
                return;
            }
        }
        try {
            listener.close();
        } catch (IOException e) {
            log.atDebug().setMessage("closing NBD listener failed").setCause(e).log();
        }
        joinQuietly(acceptThread);
        watchdog.shutdownNow();
        awaitQuietly(watchdog);
        List<Connection> closing = new ArrayList<>(connections.values());
        for (Connection connection : closing) {
            connection.close("server closing");
        }
        awaitFinished(closing);
        joinConnectionThreads();
        pool.close();
        log.atInfo().setMessage("NBD server stopped").addKeyValue("port", boundPort).log();
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
                // e.g. out of file descriptors: back off instead of spinning
                log.atWarn().setMessage("NBD accept failed").addKeyValue("port", boundPort).setCause(e).log();
                pause();
                continue;
            }
            admit(channel);
        }
    }

    private void admit(SocketChannel channel) {
        if (connections.size() >= config.maxConnections()) {
            refused.incrementAndGet();
            log.atDebug().setMessage("NBD connection refused: too many connections")
                    .addKeyValue("maxConnections", config.maxConnections()).log();
            closeQuietly(channel);
            return;
        }
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            closeQuietly(channel);
            return;
        }
        long id = nextId.getAndIncrement();
        Connection connection = new Connection(id, channel, context, System.nanoTime());
        connections.put(id, connection);
        // a platform thread: its blocking reads wake it straight from the kernel, which measured
        // clearly cheaper per request than a virtual thread woken through the poller
        connectionThreads.put(id, connection.start(Thread.ofPlatform().daemon(true).name("nbd-" + boundPort + "-connection-" + id)));
    }

    private void enforceTimeouts() {
        long now = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
        for (Connection connection : connections.values()) {
            connection.enforceTimeout(now, timeoutNanos);
        }
        connectionThreads.values().removeIf(thread -> !thread.isAlive());
    }

    private void awaitFinished(List<Connection> closing) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
        boolean interrupted = false;
        for (Connection connection : closing) {
            while (true) {
                try {
                    long left = deadline - System.nanoTime();
                    if (!connection.awaitFinished(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                        log.atWarn().setMessage("NBD connection did not finish in time")
                                .addKeyValue("connection", connection.id()).addKeyValue("export", connection.exportName()).log();
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void joinConnectionThreads() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
        boolean interrupted = false;
        for (Thread thread : connectionThreads.values()) {
            while (true) {
                try {
                    if (!thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                        log.atWarn().setMessage("NBD connection thread did not end in time").addKeyValue("thread", thread.getName()).log();
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        connectionThreads.values().removeIf(thread -> !thread.isAlive());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(ScheduledExecutorService executor) {
        boolean interrupted = false;
        while (true) {
            try {
                executor.awaitTermination(1, TimeUnit.MINUTES);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // refused connection; nothing to release
        }
    }
}
