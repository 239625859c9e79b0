package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;

/**
 * Settings of a {@link ReplicaClient}: one peer and how to talk to it; validated on construction.
 *
 * @param host                             the peer's replication address
 * @param port                             the peer's replication port
 * @param clusterId                        sent in Hello; the peer refuses another cluster's
 * @param nodeId                           this node, as told to the peer
 * @param connections                      TCP connections to the peer, shared by all callers and volumes
 * @param maxRequestsInFlightPerConnection requests outstanding on one connection; callers wait for a free one
 * @param requestTimeoutMs                 a request (including connecting and Hello) that has no reply by then
 *                                         fails, and so does its connection (the peer is taken as failed)
 */
public record ReplicaClientConfig(
        String host,
        int port,
        String clusterId,
        String nodeId,
        int connections,
        int maxRequestsInFlightPerConnection,
        long requestTimeoutMs) {

    public static final int DEFAULT_CONNECTIONS = 2;
    public static final int DEFAULT_MAX_IN_FLIGHT = 128;
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    /** Request ids carry the slot in their low 16 bits. */
    static final int MAX_IN_FLIGHT = 1 << 16;

    public ReplicaClientConfig {
        if (host == null || host.isBlank()) {
            throw invalid("peer host is empty");
        }
        if (port < 1 || port > 65535) {
            throw invalid("peer port " + port + " is out of range 1..65535");
        }
        ReplicaServerConfig.checkName("cluster id", clusterId);
        ReplicaServerConfig.checkName("node id", nodeId);
        if (connections < 1 || connections > 64) {
            throw invalid("connections " + connections + " out of range 1..64");
        }
        if (maxRequestsInFlightPerConnection < 1 || maxRequestsInFlightPerConnection > MAX_IN_FLIGHT) {
            throw invalid("requests in flight " + maxRequestsInFlightPerConnection + " out of range 1.." + MAX_IN_FLIGHT);
        }
        if (requestTimeoutMs < 1) {
            throw invalid("request timeout must be positive");
        }
    }

    public static ReplicaClientConfig of(String host, int port, String clusterId, String nodeId) {
        return new ReplicaClientConfig(host, port, clusterId, nodeId, DEFAULT_CONNECTIONS, DEFAULT_MAX_IN_FLIGHT,
                DEFAULT_REQUEST_TIMEOUT_MS);
    }

    public ReplicaClientConfig withConnections(int count) {
        return new ReplicaClientConfig(host, port, clusterId, nodeId, count, maxRequestsInFlightPerConnection, requestTimeoutMs);
    }

    public ReplicaClientConfig withRequestTimeoutMs(long timeoutMs) {
        return new ReplicaClientConfig(host, port, clusterId, nodeId, connections, maxRequestsInFlightPerConnection, timeoutMs);
    }

    /** {@code host:port}, as error messages name the peer. */
    public String peer() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static WharfException invalid(String message) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, "replica client setting: " + message,
                "fix the replication settings of the node");
    }
}
