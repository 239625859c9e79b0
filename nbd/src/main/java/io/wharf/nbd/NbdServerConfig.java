package io.wharf.nbd;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.nbd.buffer.BufferPool;

/**
 * Settings of an {@link NbdServer}; validated on construction.
 *
 * @param bindHost address to listen on; the default is loopback because NBD has no
 *     authentication here (TLS is not offered)
 * @param port TCP port; 0 picks a free one (see {@link NbdServer#port()})
 * @param maxConnections connections open at once, including ones still negotiating; more are
 *     accepted and closed at once
 * @param maxRequestsInFlightPerConnection requests of one connection read but not yet answered;
 *     the reader stops reading at the bound
 * @param maxPayloadBytes largest read or write (advertised as the maximum block size); a write
 *     above it closes the connection
 * @param ioThreads calls into exports running at once, over all connections
 * @param maxBufferBytes payload memory (off-heap) held by requests at once, over all connections;
 *     up to half as much again is kept cached for reuse
 * @param ioTimeoutMs a handshake must finish, and a client must accept each reply, within this
 *     time, or its connection is closed
 */
public record NbdServerConfig(
        String bindHost,
        int port,
        int maxConnections,
        int maxRequestsInFlightPerConnection,
        int maxPayloadBytes,
        int ioThreads,
        long maxBufferBytes,
        long ioTimeoutMs) {

    public static final int DEFAULT_PORT = 10809;
    public static final String DEFAULT_BIND_HOST = "127.0.0.1";
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
    public static final int DEFAULT_IO_THREADS = 8;
    public static final long DEFAULT_MAX_BUFFER_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_IO_TIMEOUT_MS = 60_000;

    public NbdServerConfig {
        if (bindHost == null || bindHost.isBlank()) {
            throw invalid("bindHost is empty", "give an address such as 127.0.0.1 or 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            throw invalid("port " + port + " is out of range", "use 0..65535 (0 picks a free port)");
        }
        if (maxConnections < 1) {
            throw invalid("maxConnections must be at least 1, not " + maxConnections, null);
        }
        if (maxRequestsInFlightPerConnection < 1 || maxRequestsInFlightPerConnection > 4096) {
            throw invalid("maxRequestsInFlightPerConnection " + maxRequestsInFlightPerConnection + " is out of range", "use 1..4096");
        }
        if (maxPayloadBytes < 4096 || maxPayloadBytes > (1 << 30)) {
            throw invalid("maxPayloadBytes " + maxPayloadBytes + " is out of range", "use 4096 bytes .. 1 GiB; 32 MiB is what clients expect");
        }
        if (ioThreads < 1 || ioThreads > 1024) {
            throw invalid("ioThreads " + ioThreads + " is out of range", "use 1..1024");
        }
        long onePayload = BufferPool.pagesFor(maxPayloadBytes) * BufferPool.PAGE_BYTES;
        if (maxBufferBytes < Math.max(onePayload, BufferPool.MAX_BUFFER_BYTES)) {
            throw invalid("maxBufferBytes " + maxBufferBytes + " cannot hold one payload of maxPayloadBytes",
                    "make maxBufferBytes at least " + Math.max(onePayload, BufferPool.MAX_BUFFER_BYTES));
        }
        if (ioTimeoutMs < 1) {
            throw invalid("ioTimeoutMs must be positive, not " + ioTimeoutMs, null);
        }
    }

    /** The six settings every caller chooses; buffer budget and timeout take their defaults. */
    public NbdServerConfig(String bindHost, int port, int maxConnections, int maxRequestsInFlightPerConnection,
            int maxPayloadBytes, int ioThreads) {
        this(bindHost, port, maxConnections, maxRequestsInFlightPerConnection, maxPayloadBytes, ioThreads,
                Math.max(DEFAULT_MAX_BUFFER_BYTES, 2 * BufferPool.pagesFor(maxPayloadBytes) * BufferPool.PAGE_BYTES),
                DEFAULT_IO_TIMEOUT_MS);
    }

    /** Loopback, port 10809, 256 connections, 64 requests in flight each, 32 MiB payloads, 8 I/O threads, 64 MiB buffers. */
    public static NbdServerConfig defaults() {
        return new NbdServerConfig(DEFAULT_BIND_HOST, DEFAULT_PORT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_IN_FLIGHT,
                DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_IO_THREADS, DEFAULT_MAX_BUFFER_BYTES, DEFAULT_IO_TIMEOUT_MS);
    }

    public NbdServerConfig withBindHost(String host) {
        return new NbdServerConfig(host, port, maxConnections, maxRequestsInFlightPerConnection, maxPayloadBytes, ioThreads, maxBufferBytes, ioTimeoutMs);
    }

    /** At most {@code threads} export calls at once; raise it when exports wait on the network (remote volumes). */
    public NbdServerConfig withIoThreads(int threads) {
        return new NbdServerConfig(bindHost, port, maxConnections, maxRequestsInFlightPerConnection, maxPayloadBytes, threads, maxBufferBytes, ioTimeoutMs);
    }

    public NbdServerConfig withPort(int newPort) {
        return new NbdServerConfig(bindHost, newPort, maxConnections, maxRequestsInFlightPerConnection, maxPayloadBytes, ioThreads, maxBufferBytes, ioTimeoutMs);
    }

    public NbdServerConfig withMaxConnections(int max) {
        return new NbdServerConfig(bindHost, port, max, maxRequestsInFlightPerConnection, maxPayloadBytes, ioThreads, maxBufferBytes, ioTimeoutMs);
    }

    public NbdServerConfig withIoTimeoutMs(long timeoutMs) {
        return new NbdServerConfig(bindHost, port, maxConnections, maxRequestsInFlightPerConnection, maxPayloadBytes, ioThreads, maxBufferBytes, timeoutMs);
    }

    public NbdServerConfig withMaxBufferBytes(long bytes) {
        return new NbdServerConfig(bindHost, port, maxConnections, maxRequestsInFlightPerConnection, maxPayloadBytes, ioThreads, bytes, ioTimeoutMs);
    }

    /**
     * Payload bytes one connection may hold at once: a quarter of the budget, but at least one
     * maximum payload. Bounds what a client that stops reading replies can pin.
     */
    public long connectionBufferBytes() {
        long onePayload = BufferPool.pagesFor(maxPayloadBytes) * BufferPool.PAGE_BYTES;
        return Math.min(maxBufferBytes, Math.max(onePayload, maxBufferBytes / 4));
    }

    private static WharfException invalid(String message, String hint) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, "NBD server setting: " + message, hint);
    }
}
