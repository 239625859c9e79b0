package io.wharf.simulator.world;

import io.wharf.replication.sync.frames.FrameEndpoint;
import io.wharf.replication.sync.frames.FrameLink;
import io.wharf.replication.sync.frames.FrameServer;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.SyncFrameCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated network: connections that carry encoded frames between a target's
 * {@link FrameEndpoint} and a replica node's {@link FrameServer}, with seeded delays (and so
 * reordering), losses, duplicates and partitions. A connection is bound to the two processes it
 * joined: once either restarted, what is sent on it is dropped and the other end is told it broke
 * (as a TCP reset would), so a session never spans a restart.
 */
public final class Network {
    /**
     * @param dropRate          chance a frame between two nodes is lost
     * @param duplicateRate     chance a frame is delivered twice
     * @param longDelayRate     chance a frame takes up to {@code longDelayMaxNanos} more
     */
    public record Faults(double dropRate, double duplicateRate, double longDelayRate, long baseDelayNanos, long meanDelayNanos,
                         long longDelayMaxNanos) {
        public static final Faults NONE = new Faults(0, 0, 0, 20_000, 80_000, 0);
    }

    private final EventLoop loop;
    private final SplittableRandom random;
    private final Set<String> cut = new HashSet<>();
    private final List<Connection> connections = new ArrayList<>();
    private Faults faults = Faults.NONE;
    private World world;

    public Network(EventLoop loop, SplittableRandom random) {
        this.loop = loop;
        this.random = random;
    }

    void attach(World sharedWorld) {
        this.world = sharedWorld;
    }

    public void faults(Faults next) {
        this.faults = next;
    }

    public void partition(String a, String b) {
        cut.add(key(a, b));
    }

    public void heal(String a, String b) {
        cut.remove(key(a, b));
    }

    public void healAll() {
        cut.clear();
    }

    public boolean reachable(String a, String b) {
        return a.equals(b) || !cut.contains(key(a, b));
    }

    private static String key(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    /** Whether a message from {@code a} to {@code b} is lost (partition or chance); a node never loses its own. */
    boolean lost(String a, String b) {
        if (a.equals(b)) {
            return false;
        }
        return !reachable(a, b) || random.nextDouble() < faults.dropRate();
    }

    long delay(boolean local) {
        if (local) {
            return 2_000 + random.nextLong(10_000);
        }
        long delay = faults.baseDelayNanos() + (long) (-Math.log(1 - random.nextDouble()) * faults.meanDelayNanos());
        if (faults.longDelayMaxNanos() > 0 && random.nextDouble() < faults.longDelayRate()) {
            delay += random.nextLong(faults.longDelayMaxNanos());
        }
        return delay;
    }

    /** A connection from the target role of {@code client} to the replica role of {@code server}. */
    FrameLink connect(SimNode client, SimNode server, FrameEndpoint endpoint) {
        Connection connection = new Connection(client, server, endpoint);
        connections.add(connection);
        world.trace("connect " + client.id + " -> " + server.id + " #" + connection.number);
        return connection.clientEnd;
    }

    /** A process ended: its connections are dead; peers learn it at once from a process crash (reset), by timeout from a power loss. */
    void crashed(SimNode node, boolean powerLoss) {
        for (Connection connection : List.copyOf(connections)) {
            if (connection.client == node || connection.server == node) {
                connection.breakUp(node.id + (powerLoss ? " lost power" : " crashed"), !powerLoss);
            }
        }
    }

    private static String describe(ByteBuffer frame) {
        int code = SyncFrameCodec.typeCode(frame);
        long id = frame.remaining() >= FrameCodec.HEADER_BYTES ? frame.getLong(frame.position() + 16) : -1;
        return "0x" + Integer.toHexString(code) + "#" + id;
    }

    private int connectionCount;

    final class Connection {
        final int number = ++connectionCount;
        final SimNode client;
        final SimNode server;
        final int clientIncarnation;
        final int serverIncarnation;
        final FrameEndpoint endpoint;
        final FrameServer frameServer;
        boolean broken;

        final FrameLink clientEnd = new FrameLink() {
            @Override
            public void send(ByteBuffer frame) {
                transmit(true, frame);
            }

            @Override
            public void close(String reason) {
                breakUp(reason, true);
            }
        };

        final FrameLink serverEnd = new FrameLink() {
            @Override
            public void send(ByteBuffer frame) {
                transmit(false, frame);
            }

            @Override
            public void close(String reason) {
                breakUp(reason, true);
            }
        };

        Connection(SimNode client, SimNode server, FrameEndpoint endpoint) {
            this.client = client;
            this.server = server;
            this.clientIncarnation = client.incarnation();
            this.serverIncarnation = server.incarnation();
            this.endpoint = endpoint;
            this.frameServer = new FrameServer(server.volumes(serverIncarnation), serverEnd);
        }

        private void transmit(boolean toServer, ByteBuffer frame) {
            if (broken) {
                return;
            }
            String from = toServer ? client.id : server.id;
            String to = toServer ? server.id : client.id;
            if (lost(from, to)) {
                world.trace("lost " + from + " -> " + to + " " + describe(frame));
                return;
            }
            boolean local = from.equals(to);
            int copies = !local && random.nextDouble() < faults.duplicateRate() ? 2 : 1;
            for (int copy = 0; copy < copies; copy++) {
                ByteBuffer bytes = frame.duplicate();
                loop.at(delay(local), () -> deliver(toServer, bytes, from, to));
            }
        }

        private void deliver(boolean toServer, ByteBuffer frame, String from, String to) {
            if (broken) {
                return;
            }
            SimNode recipient = toServer ? server : client;
            int expected = toServer ? serverIncarnation : clientIncarnation;
            if (!recipient.alive(expected)) {
                breakUp(to + " is not the process this connection reached", true);
                return;
            }
            if (!reachable(from, to)) {
                world.trace("lost " + from + " -> " + to + " " + describe(frame) + " (partition)");
                return;
            }
            world.trace("deliver " + from + " -> " + to + " " + describe(frame) + " " + frame.remaining() + "B");
            if (toServer) {
                frameServer.receive(frame);
            } else {
                endpoint.receive(clientEnd, frame);
            }
        }

        /**
         * Ends the connection. The client end learns it after a network delay with {@code reset} (the
         * peer's kernel answered), else only after a request timeout (the peer's machine went dark).
         */
        void breakUp(String reason, boolean reset) {
            if (broken) {
                return;
            }
            broken = true;
            connections.remove(this);
            frameServer.close();
            world.trace("broken #" + number + " " + client.id + " -> " + server.id + ": " + reason);
            long notice = delay(client == server) + (reset ? 0 : world.replication.requestTimeoutNanos());
            loop.at(notice, () -> client.alive(clientIncarnation), () -> endpoint.broken(clientEnd, reason));
        }
    }
}
