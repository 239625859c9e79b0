package io.wharf.node.replication;

import io.wharf.node.transport.ReplicaServer;
import io.wharf.node.transport.ReplicaServerConfig;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The replica side of one node, as the node runs it: a real pool in a directory, the replication
 * loop, the replica host (metadata files next to the pool) and a replica server on 127.0.0.1. It can
 * lose its server alone, or restart as a process would (everything closed and opened again over the
 * same directory and port).
 */
final class ReplicaNode implements AutoCloseable {
    static final String CLUSTER = "test-cluster";
    static final long SERVER_TIMEOUT_MS = 3_000;

    final String nodeId;
    private final Path root;
    private final ReplicationConfig config;
    private final ReplicationListener listener;
    Pool pool;
    ReplicationLoop loop;
    ReplicaHost host;
    ReplicaServer server;
    private int port;

    private ReplicaNode(String nodeId, Path root, ReplicationConfig config, ReplicationListener listener) {
        this.nodeId = nodeId;
        this.root = root;
        this.config = config;
        this.listener = listener;
    }

    static ReplicaNode start(String nodeId, Path root, ReplicationConfig config, ReplicationListener listener) throws IOException {
        ReplicaNode node = new ReplicaNode(nodeId, root, config, listener);
        try {
            node.startProcess();
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /** Opens pool, loop, host and server (on the port of the previous incarnation, if any). */
    void startProcess() throws IOException {
        pool = Pool.open(root.resolve("pool"), PoolConfig.defaults());
        loop = new ReplicationLoop("replication-loop-" + nodeId);
        host = new ReplicaHost(nodeId, pool, root.resolve("replicas"), loop, config, listener);
        startServer();
    }

    void startServer() throws IOException {
        server = new ReplicaServer(ReplicaServerConfig.of("127.0.0.1", port, CLUSTER, nodeId).withIoTimeoutMs(SERVER_TIMEOUT_MS), pool, host);
        server.start();
        port = server.port();
    }

    /** Closes the server alone: every connection to it ends; the host and its replicas stay. */
    void stopServer() {
        server.close();
    }

    /** Closes everything, in the node's order: server, host, loop, pool. */
    void stopProcess() throws IOException {
        try {
            if (server != null) {
                server.close();
            }
            if (host != null) {
                host.close();
            }
            if (loop != null) {
                loop.close();
            }
        } finally {
            if (pool != null) {
                pool.close();
                pool = null;
            }
        }
    }

    void restartProcess() throws IOException {
        stopProcess();
        startProcess();
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    Path stateDirectory() {
        return root.resolve("replicas");
    }

    /** The whole volume, read straight from the pool. */
    byte[] readDirect(String volumeId) throws IOException {
        Volume volume = pool.volume(volumeId).orElseThrow();
        ByteBuffer all = ByteBuffer.allocate((int) volume.sizeBytes());
        volume.read(0, all);
        return all.array();
    }

    @Override
    public void close() throws IOException {
        stopProcess();
    }
}
