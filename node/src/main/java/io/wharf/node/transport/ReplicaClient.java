package io.wharf.node.transport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of this node to one replica peer, shared by every {@link RemoteVolume} on that
 * peer and by all their callers. Connections open lazily; a failed one is replaced on the next call
 * that picks it (so a restarted peer is reached again without anyone reopening volumes). A watchdog
 * thread fails connections whose peer stopped answering or stopped reading, so no call waits longer
 * than the request timeout.
 *
 * <p>Thread-safe. Close it to close every connection and the watchdog.
 */
public final class ReplicaClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaClient.class);
    private final ReplicaClientConfig config;
    private final AtomicReferenceArray<ClientConnection> connections;
    private final Object[] connectLocks;
    private final AtomicInteger next = new AtomicInteger();
    /** Every connection from its creation until it fails or closes, including ones still saying Hello. */
    private final Set<ClientConnection> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;
    private volatile boolean closed;

    public ReplicaClient(ReplicaClientConfig config) {
        this.config = config;
        this.connections = new AtomicReferenceArray<>(config.connections());
        this.connectLocks = new Object[config.connections()];
        for (int i = 0; i < connectLocks.length; i++) {
            connectLocks[i] = new Object();
        }
        this.watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("replica-client-watchdog-" + config.peer()).daemon(true).factory());
        long periodMs = Math.clamp(config.requestTimeoutMs() / 4, 10, 1000);
        watchdog.scheduleWithFixedDelay(this::enforceTimeouts, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    public ReplicaClientConfig config() {
        return config;
    }

    /** {@code host:port} of the peer. */
    public String peer() {
        return config.peer();
    }

    /**
     * Opens a volume of the peer's pool at {@code epoch}.
     *
     * @throws io.wharf.core.WharfException VOLUME_NOT_FOUND when the peer does not hold it; UNAVAILABLE
     *                                      when the peer refuses this node (protocol version, cluster)
     * @throws PeerException                when the peer cannot be reached
     */
    public RemoteVolume open(String volumeId, long epoch) throws IOException {
        return RemoteVolume.open(this, volumeId, epoch);
    }

    /** Connections open and usable now. */
    public int connectionCount() {
        int count = 0;
        for (int i = 0; i < connections.length(); i++) {
            ClientConnection connection = connections.get(i);
            if (connection != null && connection.usable()) {
                count++;
            }
        }
        return count;
    }

    /** A usable connection (round robin), connecting or reconnecting it if needed. */
    ClientConnection connection() throws IOException {
        int index = Math.floorMod(next.getAndIncrement(), connections.length());
        ClientConnection current = connections.get(index);
        if (current != null && current.usable()) {
            return current;
        }
        synchronized (connectLocks[index]) {
            if (closed) {
                throw new PeerException(config.peer(), "the replica client is closed");
            }
            current = connections.get(index);
            if (current != null && current.usable()) {
                return current;
            }
            if (current != null) {
                current.close();
            }
            ClientConnection opened = ClientConnection.open(config, index, watched::add);
            connections.set(index, opened);
            if (closed) { // closed while connecting: do not leave it behind
                opened.close();
                throw new PeerException(config.peer(), "the replica client is closed");
            }
            return opened;
        }
    }

    /** Connections that are open now, for closing volume handles on them. */
    List<ClientConnection> openConnections() {
        List<ClientConnection> open = new ArrayList<>();
        for (int i = 0; i < connections.length(); i++) {
            ClientConnection connection = connections.get(i);
            if (connection != null && connection.usable()) {
                open.add(connection);
            }
        }
        return open;
    }

    /** Never throws: an exception would cancel the schedule, and callers rely on it to bound their waits. */
    private void enforceTimeouts() {
        try {
            long now = System.nanoTime();
            watched.removeIf(connection -> !connection.usable());
            for (ClientConnection connection : watched) {
                connection.enforceTimeout(now);
            }
        } catch (RuntimeException e) {
            log.atError().setMessage("replica client watchdog failed").addKeyValue("peer", config.peer()).setCause(e).log();
        }
    }

    /** Fails what is in flight, closes every connection and stops the watchdog. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < connections.length(); i++) {
            synchronized (connectLocks[i]) {
                ClientConnection connection = connections.getAndSet(i, null);
                if (connection != null) {
                    connection.close();
                }
            }
        }
        watchdog.shutdownNow();
        boolean interrupted = false;
        while (true) {
            try {
                watchdog.awaitTermination(1, TimeUnit.MINUTES);
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
