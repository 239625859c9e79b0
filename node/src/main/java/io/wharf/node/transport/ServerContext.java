package io.wharf.node.transport;

import io.wharf.nbd.buffer.BufferPool;
import io.wharf.storage.Pool;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * What every connection of a {@link ReplicaServer} shares.
 *
 * @param pool          the volumes served
 * @param config        the server's settings
 * @param buffers       pooled direct payload buffers (borrowed outside the pool's own budget: {@code bufferBudget} bounds them)
 * @param bufferBudget  4 KiB pages of payload all connections may hold at once
 * @param volumeCalls   permits for calls into volumes ({@code ioThreads})
 * @param finished      told once when a connection has released everything
 * @param frames        where connections that speak synchronous replication go; null when this node
 *                      serves only version-1 connections (sync frames are then refused)
 */
record ServerContext(
        Pool pool,
        ReplicaServerConfig config,
        BufferPool buffers,
        Semaphore bufferBudget,
        Semaphore volumeCalls,
        Consumer<ServerConnection> finished,
        FrameHost frames) {}
