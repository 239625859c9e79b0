package io.wharf.simulator.world;

import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.simulator.Trace;
import java.util.SplittableRandom;

/** What every simulated component shares: the loop, the seeded random source, the network, the store, the trace. */
public final class World {
    public final EventLoop loop;
    public final SplittableRandom random;
    public final Network network;
    public final StoreServer store;
    public final ReplicationConfig replication;
    public final Latencies latencies;
    public final ReplicationListener listener;
    private final Trace trace;

    /** How long simulated disks take (nanoseconds, uniform between the bounds). */
    public record Latencies(long writeMinNanos, long writeMaxNanos, long flushMinNanos, long flushMaxNanos, long saveMinNanos,
                            long saveMaxNanos) {}

    public World(EventLoop loop, SplittableRandom random, Network network, StoreServer store, ReplicationConfig replication,
                 Latencies latencies, ReplicationListener listener, Trace trace) {
        this.loop = loop;
        this.random = random;
        this.network = network;
        this.store = store;
        this.replication = replication;
        this.latencies = latencies;
        this.listener = listener;
        this.trace = trace;
        network.attach(this);
    }

    public void trace(String text) {
        trace.line(loop.now(), text);
    }

    long between(long min, long max) {
        return min + (max > min ? random.nextLong(max - min + 1) : 0);
    }
}
