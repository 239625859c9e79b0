package io.wharf.node.transport;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Throughput of a {@link RemoteVolume} over loopback against the same pool volume called locally,
 * printed as ratios. Not a test: run by {@code bench/replication-transport.sh}. Arguments:
 * {@code [seconds per job (5)] [working set MiB (256)] [client connections (2)] [directory]}.
 */
public final class TransportBench {
    private static final int MIB = 1 << 20;

    private record Job(String name, int callers, int blockBytes, boolean write, boolean sequential) {}

    private record Result(double opsPerSecond, double bytesPerSecond) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        long workingSet = (args.length > 1 ? Long.parseLong(args[1]) : 256) * MIB;
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : ReplicaClientConfig.DEFAULT_CONNECTIONS;
        Path directory = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("wharf-transport-bench");
        List<Job> jobs = List.of(
                new Job("rand-read-4k-qd32", 32, 4096, false, false),
                new Job("rand-write-4k-qd32", 32, 4096, true, false),
                new Job("seq-read-1m-qd8", 8, MIB, false, true),
                new Job("seq-write-1m-qd8", 8, MIB, true, true));
        try (Pool pool = Pool.open(directory.resolve("pool"), PoolConfig.defaults());
                ReplicaServer server = new ReplicaServer(ReplicaServerConfig.of("127.0.0.1", 0, "bench", "node-b"), pool)) {
            server.start();
            Volume local = pool.create("bench", workingSet);
            fill(local, workingSet);
            try (ReplicaClient client = new ReplicaClient(ReplicaClientConfig.of("127.0.0.1", server.port(), "bench", "node-a")
                    .withConnections(connections));
                    RemoteVolume remote = client.open("bench", 1)) {
                System.out.printf("RemoteVolume (loopback, %d connection(s)) vs the same pool volume called locally; %d s per job, "
                        + "%d MiB working set, %d cores, Java %s%n", connections, seconds, workingSet / MIB,
                        Runtime.getRuntime().availableProcessors(), Runtime.version());
                System.out.printf("%-20s %14s %14s %8s %12s %12s%n", "job", "local ops/s", "remote ops/s", "ratio",
                        "local MiB/s", "remote MiB/s");
                for (Job job : jobs) {
                    run(local, job, 1, workingSet); // warm up both paths
                    run(remote, job, 1, workingSet);
                    Result localResult = run(local, job, seconds, workingSet);
                    Result remoteResult = run(remote, job, seconds, workingSet);
                    System.out.printf("%-20s %14.0f %14.0f %8.2f %12.1f %12.1f%n", job.name(), localResult.opsPerSecond(),
                            remoteResult.opsPerSecond(), remoteResult.opsPerSecond() / localResult.opsPerSecond(),
                            localResult.bytesPerSecond() / MIB, remoteResult.bytesPerSecond() / MIB);
                }
            }
        } finally {
            if (args.length <= 3) {
                try (Stream<Path> paths = Files.walk(directory)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        }
    }

    private static void fill(Volume volume, long bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);
        for (long offset = 0; offset < bytes; offset += MIB) {
            for (int i = 0; i < MIB; i += 8) {
                buffer.putLong(i, offset + i);
            }
            volume.write(offset, buffer.clear());
        }
        volume.flush();
    }

    private static Result run(Volume volume, Job job, int seconds, long workingSet) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        AtomicLong cursor = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        List<Thread> callers = new ArrayList<>();
        long blocks = workingSet / job.blockBytes();
        for (int i = 0; i < job.callers(); i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(job.blockBytes());
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long done = 0;
                while (!stop.get()) {
                    long block = job.sequential() ? cursor.getAndIncrement() % blocks : random.nextLong(blocks);
                    try {
                        buffer.clear();
                        if (job.write()) {
                            volume.write(block * job.blockBytes(), buffer);
                        } else {
                            volume.read(block * job.blockBytes(), buffer);
                        }
                        done++;
                    } catch (IOException | RuntimeException e) {
                        if (failures.getAndIncrement() == 0) {
                            e.printStackTrace();
                        }
                    }
                }
                ops.addAndGet(done);
            }));
        }
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread caller : callers) {
            caller.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " calls failed in " + job.name());
        }
        return new Result(ops.get() / elapsed, ops.get() * (double) job.blockBytes() / elapsed);
    }
}
