package io.wharf.node.transport;

import io.wharf.nbd.buffer.BufferPool;
import io.wharf.storage.Pool;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the volumes of a local {@link Pool} to peers over the replication protocol
 * ({@code io.wharf.replication.wire}), so that a target on another node can serve NBD for them.
 *
 * <p>With a {@link FrameHost}, it also serves synchronous replication: a connection whose first
 * request after Hello is a synchronous-replication frame carries frames for the host from then on
 * ({@link FrameChannel}).
 *
 * <p>Life cycle: construct, {@link #start()}, {@link #close()}. Thread-safe. A peer that breaks the
 * protocol loses its connection (with a log line); every other connection is unaffected. Memory is
 * bounded by the configuration, never by what a peer sends.
 */
public final class ReplicaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaServer.class);
    private static final int BACKLOG = 128;

    private enum State { NEW, RUNNING, CLOSED }

    private final ReplicaServerConfig config;
    private final BufferPool buffers;
    private final ServerContext context;
    private final Map<Long, ServerConnection> connections = new ConcurrentHashMap<>();
    /** Threads of connections, kept until they have ended so that close() can join every one. */
    private final Map<Long, Thread> connectionThreads = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong refused = new AtomicLong();

    private State state = State.NEW;
    private ServerSocketChannel listener;
    private Thread acceptThread;
    private ScheduledExecutorService watchdog;
    private volatile int boundPort = -1;

    /** A server of version-1 connections only: synchronous-replication frames are refused. */
    public ReplicaServer(ReplicaServerConfig config, Pool pool) {
        this(config, pool, null);
    }

    /**
     * A server that also hands connections speaking synchronous replication (their first request is
     * {@code OPEN_FENCED} or another type of {@code SyncFrameCodec}) to {@code frames}.
     *
     * @param frames the node's replica host; null to refuse such connections
     */
    public ReplicaServer(ReplicaServerConfig config, Pool pool, FrameHost frames) {
        this.config = config;
        this.buffers = new BufferPool(config.maxBufferBytes(), config.maxBufferBytes() / 2);
        this.context = new ServerContext(pool, config, buffers,
                new Semaphore((int) (config.maxBufferBytes() / BufferPool.PAGE_BYTES)), new Semaphore(config.ioThreads()),
                connection -> connections.remove(connection.id()), frames);
    }

    /**
     * Binds and starts accepting peers.
     *
     * @throws java.net.BindException when the address or port is in use or not available
     * @throws IllegalStateException  when already started or closed
     */
    public synchronized void start() throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("replica server is " + state.name().toLowerCase());
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
        acceptThread = Thread.ofPlatform().name("replica-accept-" + boundPort).daemon(true).start(this::acceptLoop);
        watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("replica-watchdog-" + boundPort).daemon(true).factory());
        long periodMs = Math.clamp(config.ioTimeoutMs() / 4, 10, 1000);
        watchdog.scheduleWithFixedDelay(this::enforceTimeouts, periodMs, periodMs, TimeUnit.MILLISECONDS);
        log.atInfo().setMessage("replica server listening").addKeyValue("bindHost", config.bindHost()).addKeyValue("port", boundPort)
                .addKeyValue("clusterId", config.clusterId()).addKeyValue("nodeId", config.nodeId())
                .addKeyValue("maxConnections", config.maxConnections())
                .addKeyValue("maxRequestsInFlightPerConnection", config.maxRequestsInFlightPerConnection())
                .addKeyValue("maxConnectionBufferBytes", config.maxConnectionBufferBytes())
                .addKeyValue("maxBufferBytes", config.maxBufferBytes()).addKeyValue("ioThreads", config.ioThreads())
                .addKeyValue("ioTimeoutMs", config.ioTimeoutMs()).addKeyValue("synchronousReplication", context.frames() != null).log();
    }

    /** The port listened on (the chosen one when configured with port 0). */
    public int port() {
        int port = boundPort;
        if (port < 0) {
            throw new IllegalStateException("replica server is not started");
        }
        return port;
    }

    /** Connections open now, including ones that have not said Hello yet. */
    public int connectionCount() {
        return connections.size();
    }

    /** Connections refused because {@code maxConnections} were open. */
    public long refusedConnectionCount() {
        return refused.get();
    }

    /** Payload bytes (off-heap) held by requests now, over all connections. */
    public long bufferedBytes() {
        return (config.maxBufferBytes() / BufferPool.PAGE_BYTES - context.bufferBudget().availablePermits()) * BufferPool.PAGE_BYTES;
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
                buffers.close();
                return;
            }
        }
        try {
            listener.close();
        } catch (IOException e) {
            log.atDebug().setMessage("closing replica listener failed").setCause(e).log();
        }
        joinQuietly(acceptThread, Duration.ofMillis(config.ioTimeoutMs()));
        watchdog.shutdownNow();
        List<ServerConnection> closing = new ArrayList<>(connections.values());
        for (ServerConnection connection : closing) {
            connection.close("server closing");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
        for (ServerConnection connection : closing) {
            awaitQuietly(connection, deadline);
        }
        for (Thread thread : connectionThreads.values()) {
            joinQuietly(thread, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        connectionThreads.values().removeIf(thread -> !thread.isAlive());
        buffers.close();
        log.atInfo().setMessage("replica server stopped").addKeyValue("port", boundPort).log();
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
                log.atWarn().setMessage("replica accept failed").addKeyValue("port", boundPort).setCause(e).log();
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                continue;
            }
            admit(channel);
        }
    }

    private void admit(SocketChannel channel) {
        if (connections.size() >= config.maxConnections()) {
            refused.incrementAndGet();
            log.atWarn().setMessage("replica connection refused: too many connections")
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
        ServerConnection connection = new ServerConnection(id, channel, context, System.nanoTime());
        connections.put(id, connection);
        // a platform thread: its blocking reads wake straight from the kernel (see the NBD server)
        connectionThreads.put(id, connection.start(Thread.ofPlatform().daemon(true).name("replica-" + boundPort + "-connection-" + id)));
    }

    /** Never throws: an exception would cancel the schedule. */
    private void enforceTimeouts() {
        try {
            long now = System.nanoTime();
            long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
            for (ServerConnection connection : connections.values()) {
                connection.enforceTimeout(now, timeoutNanos);
            }
            connectionThreads.values().removeIf(thread -> !thread.isAlive());
        } catch (RuntimeException e) {
            log.atError().setMessage("replica server watchdog failed").addKeyValue("port", boundPort).setCause(e).log();
        }
    }

    private static void awaitQuietly(ServerConnection connection, long deadlineNanos) {
        boolean interrupted = false;
        while (true) {
            try {
                if (!connection.awaitFinished(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    log.atWarn().setMessage("replica connection did not finish in time").addKeyValue("connection", connection.id()).log();
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread thread, Duration timeout) {
        boolean interrupted = false;
        while (true) {
            try {
                if (!thread.join(timeout)) {
                    log.atWarn().setMessage("replica thread did not end in time").addKeyValue("thread", thread.getName()).log();
                }
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
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
