package io.wharf.node;

import java.time.Duration;

import io.wharf.core.ByteSize;
import io.wharf.core.WharfException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code wharf up}: a single-node cluster on the embedded store, in the foreground until Ctrl-C.
 * {@link NodeStartCommand} adds what joining a cluster on etcd takes.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a single-node Wharf cluster in the foreground (Ctrl-C stops it).")
public class UpCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "./.wharf", description = "Directory for the cluster store and the storage pool (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--api-port", defaultValue = "9020", description = "REST API port (default: ${DEFAULT-VALUE}).")
    int apiPort;

    @Option(names = "--nbd-port", defaultValue = "10809", description = "NBD port (default: ${DEFAULT-VALUE}).")
    int nbdPort;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bindHost;

    @Option(names = {"--advertise", "--address"}, description = "Address clients and other nodes use to reach this node (default: the --bind address).")
    String advertiseHost;

    @Option(names = "--node-id", defaultValue = "node-1", description = "This node's id (default: ${DEFAULT-VALUE}).")
    String nodeId;

    @Option(names = "--pool-capacity", description = "Pool capacity, e.g. 100GiB (default: the size of the filesystem holding the data dir).")
    String poolCapacity;

    @Option(names = "--pool-reserve", defaultValue = "0", description = "Space kept free on the pool's filesystem (default: ${DEFAULT-VALUE}).")
    String poolReserve;

    @Option(names = "--overcommit", defaultValue = "2.0", description = "Thin provisioning: total volume sizes may reach capacity times this ratio (default: ${DEFAULT-VALUE}).")
    double overcommit;

    @Option(names = "--schedule-interval", defaultValue = "30", description = "Seconds between checks for due scheduled snapshots (default: ${DEFAULT-VALUE}).")
    double scheduleIntervalSeconds;

    /** The cluster store to join ({@code etcd://...}), or null for the embedded store. */
    String cluster() {
        return null;
    }

    String zone() {
        return null;
    }

    String rack() {
        return null;
    }

    boolean storageless() {
        return false;
    }

    int replPort() {
        return -1;
    }

    java.util.Map<String, String> labels() {
        return java.util.Map.of();
    }

    java.time.Duration livenessTtl() {
        return NodeConfig.DEFAULT_LIVENESS_TTL;
    }

    @Override
    public Integer call() {
        try {
            NodeConfig config = new NodeConfig(dataDir, nodeId, bindHost,
                    advertiseHost == null ? bindHost : advertiseHost, apiPort, nbdPort,
                    poolCapacity == null ? 0 : ByteSize.parse(poolCapacity), ByteSize.parse(poolReserve), overcommit,
                    java.time.Duration.ofMillis(Math.round(scheduleIntervalSeconds * 1000)), cluster(), zone(), rack(),
                    storageless(), replPort(), labels(), livenessTtl(), replMoveTimeout(), resyncBytesPerSecond());
            WharfNode node = WharfNode.start(config);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                node.close();
                stopped.countDown();
            }));
            System.out.printf("Wharf %s is up: node %s, API http://%s:%d, NBD nbd://%s:%d, data in %s%n",
                    node.version(), config.nodeId(), config.advertiseHost(), node.apiPort(),
                    config.advertiseHost(), node.nbdPort(), config.dataDir());
            System.out.println("Press Ctrl-C to stop.");
            System.out.flush();
            stopped.await();
            return 0;
        } catch (WharfException e) {
            System.err.println("error: " + e.getMessage());
            if (!e.hint().isEmpty()) {
                System.err.println("hint: " + e.hint());
            }
            System.err.println("(code: " + e.code() + ")");
            return e.code().exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** How long a replica's node may stay offline before its replica is replaced elsewhere. */
    Duration replMoveTimeout() {
        return NodeConfig.DEFAULT_REPL_MOVE_TIMEOUT;
    }

    /** Bandwidth of each resync or rebuild this node runs as a target (bytes per second, 0: no limit). */
    long resyncBytesPerSecond() {
        return NodeConfig.DEFAULT_RESYNC_BYTES_PER_SECOND;
    }
}
