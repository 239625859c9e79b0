package io.wharf.simulator;

import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.simulator.world.Network;
import io.wharf.simulator.world.World;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One simulation run: the seed and everything it is not allowed to choose. {@link #forSeed} gives the
 * settings the test suite and {@code run-seeds} use.
 *
 * @param replicas        replication factor; 0 lets the seed choose 2 or 3
 * @param faultPhaseNanos simulated time with faults and the workload running
 * @param healLimitNanos  simulated time the cluster gets, after the faults stop, to converge
 * @param faultIntervalNanos mean time between two injected faults
 * @param onAttach        called with every target as it starts serving (tests inject defects through it); may be null
 * @param traceEcho       prints every trace line when not null
 * @param workDirectory   where the pools' directory trees go (tmpfs by default)
 */
public record SimulationConfig(long seed, int nodes, int replicas, long volumeBytes, ReplicationConfig replication,
                               Network.Faults networkFaults, World.Latencies latencies, long faultPhaseNanos, long healLimitNanos,
                               long faultIntervalNanos, int clientDepth, long thinkNanos, Consumer<ReplicatedVolume> onAttach,
                               PrintStream traceEcho, Path workDirectory) {
    public static final long MS = 1_000_000L;

    public static SimulationConfig forSeed(long seed) {
        // odd seeds keep a hot set of 6 of the volume's 16 regions in the activity logs; even seeds settle every idle region
        int hotSet = (seed & 1) == 0 ? 0 : 6;
        ReplicationConfig replication = new ReplicationConfig(64 * 1024, 30 * MS, 10 * MS, 6, 256L << 20, 40 * MS, 2, 1024, 0, hotSet);
        Network.Faults faults = new Network.Faults(0.01, 0.01, 0.02, 20_000, 80_000, 40 * MS);
        World.Latencies latencies = new World.Latencies(10_000, 150_000, 200_000, 1_500_000, 100_000, 800_000);
        return new SimulationConfig(seed, 4, 0, 1 << 20, replication, faults, latencies, 1_200 * MS, 4_000 * MS, 60 * MS, 4,
                60_000, null, null, defaultWorkDirectory());
    }

    public SimulationConfig withOnAttach(Consumer<ReplicatedVolume> hook) {
        return new SimulationConfig(seed, nodes, replicas, volumeBytes, replication, networkFaults, latencies, faultPhaseNanos,
                healLimitNanos, faultIntervalNanos, clientDepth, thinkNanos, hook, traceEcho, workDirectory);
    }

    public SimulationConfig withTraceEcho(PrintStream echo) {
        return new SimulationConfig(seed, nodes, replicas, volumeBytes, replication, networkFaults, latencies, faultPhaseNanos,
                healLimitNanos, faultIntervalNanos, clientDepth, thinkNanos, onAttach, echo, workDirectory);
    }

    public SimulationConfig withFaultPhase(long nanos) {
        return new SimulationConfig(seed, nodes, replicas, volumeBytes, replication, networkFaults, latencies, nanos,
                healLimitNanos, faultIntervalNanos, clientDepth, thinkNanos, onAttach, traceEcho, workDirectory);
    }

    private static Path defaultWorkDirectory() {
        Path shm = Path.of("/dev/shm");
        return shm.toFile().isDirectory() && shm.toFile().canWrite() ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }
}
