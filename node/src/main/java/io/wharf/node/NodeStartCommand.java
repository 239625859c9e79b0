package io.wharf.node;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code wharf node start}: a node that joins a cluster on etcd, in the foreground until Ctrl-C. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a node that joins a Wharf cluster on etcd, in the foreground (Ctrl-C stops it).")
public final class NodeStartCommand extends UpCommand {
    @Option(names = "--cluster", required = true, paramLabel = "etcd://HOST:PORT[,HOST:PORT...]",
            description = "The etcd cluster that holds the cluster's state.")
    String clusterUrl;

    @Option(names = "--zone", description = "Failure domain for placement, e.g. a cloud zone.")
    String zoneName;

    @Option(names = "--rack", description = "Failure domain inside the zone.")
    String rackName;

    @Option(names = "--repl-port", defaultValue = "10810",
            description = "Replication transport port: other nodes reach this node's volumes through it (default: ${DEFAULT-VALUE}).")
    int replicationPort;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE",
            description = "A node label (e.g. disk=ssd) that volumes can require with --node-selector; repeat for more.")
    java.util.Map<String, String> nodeLabels;

    @Option(names = "--storageless", description = "Hold no volume data: placement never puts a volume here.")
    boolean storagelessNode;

    @Option(names = "--liveness-ttl", defaultValue = "6", paramLabel = "SECONDS",
            description = "A node that stops renewing its lease shows offline after this many seconds (default: ${DEFAULT-VALUE}).")
    double livenessTtlSeconds;

    @Option(names = "--repl-move-timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "A replica whose node stays offline this long is replaced on another node (default: ${DEFAULT-VALUE}).")
    double replMoveTimeoutSeconds;

    @Option(names = "--resync-bandwidth", defaultValue = "100MiB", paramLabel = "RATE",
            description = "Bytes per second of each resync or rebuild copy, e.g. 200MiB; 0 for no limit (default: ${DEFAULT-VALUE}).")
    String resyncBandwidth;

    @Override
    long resyncBytesPerSecond() {
        return io.wharf.core.ByteSize.parse(resyncBandwidth);
    }

    @Override
    Duration replMoveTimeout() {
        return Duration.ofMillis(Math.round(replMoveTimeoutSeconds * 1000));
    }

    @Override
    String cluster() {
        return clusterUrl;
    }

    @Override
    String zone() {
        return zoneName;
    }

    @Override
    String rack() {
        return rackName;
    }

    @Override
    java.util.Map<String, String> labels() {
        return nodeLabels == null ? java.util.Map.of() : nodeLabels;
    }

    @Override
    int replPort() {
        return replicationPort;
    }

    @Override
    boolean storageless() {
        return storagelessNode;
    }

    @Override
    Duration livenessTtl() {
        return Duration.ofMillis(Math.round(livenessTtlSeconds * 1000));
    }
}
