package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.nbd.buffer.BufferPool;
import io.wharf.replication.wire.FrameCodec;

/**
 * Settings of a {@link ReplicaServer}; validated on construction.
 *
 * @param bindHost                         address to listen on; peers on other machines need a routable one
 *                                         (the protocol has no authentication: keep it on the cluster network)
 * @param port                             TCP port; 0 picks a free one (see {@link ReplicaServer#port()})
 * @param clusterId                        Hellos from another cluster are refused
 * @param nodeId                           this node, as told to peers in HelloOk
 * @param maxConnections                   connections open at once; more are accepted and closed at once
 * @param maxRequestsInFlightPerConnection requests of one connection read but not yet answered; the
 *                                         reader stops reading at the bound (TCP backpressure)
 * @param maxConnectionBufferBytes         payload bytes one connection's requests may hold at once
 * @param maxBufferBytes                   payload bytes (off-heap) all connections may hold at once
 * @param ioThreads                        volume calls running at once, over all connections
 * @param ioTimeoutMs                      a peer must say Hello, and take each reply, within this time, or it is cut off
 */
public record ReplicaServerConfig(
        String bindHost,
        int port,
        String clusterId,
        String nodeId,
        int maxConnections,
        int maxRequestsInFlightPerConnection,
        long maxConnectionBufferBytes,
        long maxBufferBytes,
        int ioThreads,
        long ioTimeoutMs) {

    public static final int DEFAULT_PORT = 10810;
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    public static final int DEFAULT_MAX_IN_FLIGHT = 128;
    public static final long DEFAULT_CONNECTION_BUFFER_BYTES = 16L << 20;
    public static final long DEFAULT_MAX_BUFFER_BYTES = 64L << 20;
    public static final int DEFAULT_IO_THREADS = 8;
    public static final long DEFAULT_IO_TIMEOUT_MS = 30_000;

    public ReplicaServerConfig {
        if (bindHost == null || bindHost.isBlank()) {
            throw invalid("bind host is empty");
        }
        if (port < 0 || port > 65535) {
            throw invalid("port " + port + " is out of range 0..65535");
        }
        checkName("cluster id", clusterId);
        checkName("node id", nodeId);
        if (maxConnections < 1 || maxRequestsInFlightPerConnection < 1 || ioThreads < 1 || ioTimeoutMs < 1) {
            throw invalid("connections, requests in flight, I/O threads and timeout must be positive");
        }
        long onePayload = BufferPool.pagesFor(FrameCodec.MAX_PAYLOAD_BYTES) * BufferPool.PAGE_BYTES;
        if (maxConnectionBufferBytes < onePayload || maxBufferBytes < maxConnectionBufferBytes
                || maxBufferBytes / BufferPool.PAGE_BYTES > Integer.MAX_VALUE) {
            throw invalid("buffers: a connection needs at least " + onePayload + " bytes and the total at least a connection's ("
                    + maxConnectionBufferBytes + " / " + maxBufferBytes + ")");
        }
    }

    /** Defaults for everything but where to listen and who we are. */
    public static ReplicaServerConfig of(String bindHost, int port, String clusterId, String nodeId) {
        return new ReplicaServerConfig(bindHost, port, clusterId, nodeId, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_IN_FLIGHT,
                DEFAULT_CONNECTION_BUFFER_BYTES, DEFAULT_MAX_BUFFER_BYTES, DEFAULT_IO_THREADS, DEFAULT_IO_TIMEOUT_MS);
    }

    public ReplicaServerConfig withIoTimeoutMs(long timeoutMs) {
        return new ReplicaServerConfig(bindHost, port, clusterId, nodeId, maxConnections, maxRequestsInFlightPerConnection,
                maxConnectionBufferBytes, maxBufferBytes, ioThreads, timeoutMs);
    }

    public ReplicaServerConfig withPort(int newPort) {
        return new ReplicaServerConfig(bindHost, newPort, clusterId, nodeId, maxConnections, maxRequestsInFlightPerConnection,
                maxConnectionBufferBytes, maxBufferBytes, ioThreads, ioTimeoutMs);
    }

    static void checkName(String what, String name) {
        if (name == null || name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > FrameCodec.MAX_NAME_BYTES) {
            throw invalid(what + " '" + name + "' must be 1 to " + FrameCodec.MAX_NAME_BYTES + " bytes");
        }
    }

    private static WharfException invalid(String message) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, "replica server setting: " + message,
                "fix the replication settings of the node");
    }
}
