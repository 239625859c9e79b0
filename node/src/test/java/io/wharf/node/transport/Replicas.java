package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A real pool in a directory served by a real server on 127.0.0.1 (port 0), and a client of it.
 * Closing closes all three (client, server, pool), in that order, even when one fails.
 */
final class Replicas implements AutoCloseable {
    static final String CLUSTER = "test-cluster";
    static final long TIMEOUT_MS = 3_000;

    final Pool pool;
    ReplicaServer server;
    final ReplicaClient client;
    private final ReplicaServerConfig serverConfig;

    private Replicas(Pool pool, ReplicaServer server, ReplicaServerConfig serverConfig, ReplicaClient client) {
        this.pool = pool;
        this.server = server;
        this.serverConfig = serverConfig;
        this.client = client;
    }

    static Replicas start(Path directory) throws IOException {
        return start(directory, ReplicaClientConfig.DEFAULT_CONNECTIONS);
    }

    static Replicas start(Path directory, int connections) throws IOException {
        Pool pool = Pool.open(directory, PoolConfig.defaults());
        ReplicaServer server = null;
        try {
            ReplicaServerConfig config = ReplicaServerConfig.of("127.0.0.1", 0, CLUSTER, "node-b").withIoTimeoutMs(TIMEOUT_MS);
            server = new ReplicaServer(config, pool);
            server.start();
            ReplicaClient client = new ReplicaClient(clientConfig(server.port()).withConnections(connections));
            return new Replicas(pool, server, config, client);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            pool.close();
            throw e;
        }
    }

    static ReplicaClientConfig clientConfig(int port) {
        return ReplicaClientConfig.of("127.0.0.1", port, CLUSTER, "node-a").withRequestTimeoutMs(TIMEOUT_MS);
    }

    /** Stops the server (the pool stays open). */
    void stopServer() {
        server.close();
    }

    /** A new server for the same pool on the same port. */
    void restartServer() throws IOException {
        int port = server.port();
        server = new ReplicaServer(serverConfig.withPort(port), pool);
        server.start();
    }

    /** Asserts that no thread of the closed server or client is left. */
    void assertNoThreadsLeft() throws InterruptedException {
        String port = String.valueOf(server.port());
        String peer = client.peer();
        Await.until("the transport's threads have ended", java.time.Duration.ofSeconds(10), () -> Thread.getAllStackTraces().keySet()
                .stream().map(Thread::getName)
                .noneMatch(name -> name.equals("replica-accept-" + port) || name.equals("replica-watchdog-" + port)
                        || name.startsWith("replica-" + port + "-") || name.startsWith("replica-client-" + peer)
                        || name.startsWith("replica-client-watchdog-" + peer)));
        assertThat(server.connectionCount()).isZero();
    }

    @Override
    public void close() throws IOException {
        try {
            client.close();
        } finally {
            try {
                server.close();
            } finally {
                pool.close();
            }
        }
    }
}
