package io.wharf.node.replication;

import io.wharf.node.transport.FrameChannel;
import io.wharf.node.transport.LinkConfig;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.frames.FrameEndpoint;
import io.wharf.replication.sync.frames.FrameLink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's ways to replica nodes: one {@link FrameEndpoint} per node, made on first use and kept,
 * all on the {@link ReplicationLoop}. An endpoint makes a new link for each open after the previous
 * one broke, never reusing a broken one, so a session never outlives its link or the replica
 * process it was opened on:
 * <ul>
 *   <li>to this node's own {@link ReplicaHost}: a {@link LocalEndpoint} that calls its replica
 *       directly (no frames, no socket);</li>
 *   <li>to another node: a {@link FrameChannel} over TCP to its {@code ReplicaServer}, at the address
 *       {@code replAddress} gives (looked up when the link is made). A link that cannot be made is
 *       reported broken on the loop, so the open fails (UNAVAILABLE) at once instead of waiting for
 *       its deadline.</li>
 * </ul>
 * A watchdog task on the loop closes TCP links whose connection attempt, or a write, lasts longer
 * than the replication request timeout.
 */
public final class PeerLinks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerLinks.class);
    private static final long MIN_WATCH_NANOS = 10_000_000;
    private static final long MAX_WATCH_NANOS = 1_000_000_000;

    private final String localNodeId;
    private final ReplicationLoop loop;
    private final ReplicaHost local;
    private final Function<String, Optional<String>> replAddress;
    private final ReplicationConfig config;
    private final LinkConfig linkConfig;
    private final long watchNanos;
    /** Loop only. */
    private final Map<String, FrameEndpoint> endpoints = new HashMap<>();
    private final Set<FrameChannel> channels = ConcurrentHashMap.newKeySet();
    private volatile Scheduler.Cancellable watchdog = Scheduler.Cancellable.NONE;
    private volatile boolean closed;
    /** The node's own replica, called directly (no frames); made on first use, on the loop. */
    private LocalEndpoint localEndpoint;

    /**
     * @param local       this node's replica host, reached in process; null on a node without one
     * @param replAddress node id to the {@code host:port} of its replica server, empty when unknown;
     *                    called on a link's own thread, never on the loop
     */
    public PeerLinks(String clusterId, String localNodeId, ReplicationLoop loop, ReplicaHost local,
                     Function<String, Optional<String>> replAddress, ReplicationConfig config) {
        if (local != null && !local.nodeId().equals(localNodeId)) {
            throw new IllegalArgumentException("the local replica host is node " + local.nodeId() + ", not " + localNodeId);
        }
        if (local != null && local.replicationLoop() != loop) {
            throw new IllegalArgumentException("the local replica host of " + localNodeId + " runs on " + local.replicationLoop()
                    + ", the links on " + loop + ": its own replica is called directly, so both must run on one loop");
        }
        this.localNodeId = localNodeId;
        this.loop = loop;
        this.local = local;
        this.replAddress = replAddress;
        this.config = config;
        this.linkConfig = LinkConfig.of(clusterId, localNodeId, config.requestTimeoutNanos());
        this.watchNanos = Math.clamp(config.requestTimeoutNanos() / 4, MIN_WATCH_NANOS, MAX_WATCH_NANOS);
        this.watchdog = loop.schedule(watchNanos, this::watch);
    }

    /** The endpoint of replica node {@code nodeId} (cached). Call on the loop. */
    public ReplicaEndpoint endpoint(String nodeId) {
        loop.checkInLoop("PeerLinks.endpoint");
        if (local != null && nodeId.equals(localNodeId)) {
            if (localEndpoint == null) {
                localEndpoint = new LocalEndpoint(localNodeId, local, loop);
            }
            return localEndpoint;
        }
        return endpoints.computeIfAbsent(nodeId, id -> new FrameEndpoint(id, loop, endpoint -> connect(id, endpoint),
                config.requestTimeoutNanos()));
    }

    /** TCP links open now, for diagnostics and tests. */
    public int linkCount() {
        return channels.size();
    }

    /** On the loop: a new link for {@code endpoint}. */
    private FrameLink connect(String nodeId, FrameEndpoint endpoint) {
        if (closed) {
            return broken(endpoint, "the replication links of node " + localNodeId + " are closed");
        }
        FrameChannel channel;
        try {
            channel = FrameChannel.connect(linkConfig, nodeId, () -> replAddress.apply(nodeId), loop::execute, new FrameChannel.Receiver() {
                @Override
                public void received(FrameChannel from, ByteBuffer frame) {
                    endpoint.receive(from, frame);
                }

                @Override
                public void closed(FrameChannel from, String reason) {
                    channels.remove(from);
                    endpoint.broken(from, reason);
                }
            });
        } catch (IOException e) {
            return broken(endpoint, "cannot open a socket to node " + nodeId + ": " + e.getMessage());
        }
        channels.add(channel);
        if (closed) {
            channel.close("the replication links of node " + localNodeId + " are closed");
        }
        return channel;
    }

    /** A link that was never made: the endpoint hears it broke, on the loop, after the open that asked for it. */
    private FrameLink broken(FrameEndpoint endpoint, String reason) {
        FrameLink dead = new FrameLink() {
            @Override
            public void send(ByteBuffer frame) {
            }

            @Override
            public void close(String why) {
            }

            @Override
            public String toString() {
                return "broken link to " + endpoint.nodeId();
            }
        };
        loop.execute(() -> endpoint.broken(dead, reason));
        return dead;
    }

    private void watch() {
        if (closed) {
            return;
        }
        long now = loop.nanoTime();
        for (FrameChannel channel : channels) {
            channel.enforceTimeout(now, config.requestTimeoutNanos());
        }
        watchdog = loop.schedule(watchNanos, this::watch);
    }

    /** Closes every link (their endpoints hear it on the loop, if it still runs). Any thread; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.cancel();
        String reason = "the replication links of node " + localNodeId + " are closed";
        for (FrameChannel channel : List.copyOf(channels)) {
            channel.close(reason);
        }
        log.atDebug().setMessage("replication links closed").addKeyValue("node", localNodeId).log();
    }
}
