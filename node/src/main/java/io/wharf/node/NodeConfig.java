package io.wharf.node;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.nio.file.Path;

/**
 * Everything a node needs to start, validated once.
 *
 * @param dataDir           holds the cluster store ({@code store/}) and the storage pool ({@code pool/})
 * @param bindHost          address the API and NBD servers listen on
 * @param advertiseHost     address clients are told to use (in {@code nbdUri})
 * @param poolCapacityBytes 0 means the size of the filesystem holding the pool, less the reserve
 * @param cluster           {@code etcd://host:port[,host:port...]} to join a cluster on etcd, or null
 *                          for a single node on the embedded store in {@code store/}
 * @param zone              failure domain for placement, or null
 * @param rack              failure domain inside the zone, or null
 * @param storageless       the node holds no volume data (placement skips it); it serves the API
 *                          and, later, NBD for volumes attached to it
 * @param replPort          port of the replication transport (other nodes reach this node's volumes
 *                          through it), or -1 for none (a single node)
 * @param labels            the node's labels, which volumes can require at placement
 * @param livenessTtl       how long the node's lease lives without renewal: a killed node shows
 *                          offline within this time
 * @param replMoveTimeout   a replica whose node stays offline this long is replaced on another node
 *                          (by the volume's target)
 * @param resyncBytesPerSecond bandwidth of each resync or rebuild copy this node runs as a target; 0: no limit
 */
public record NodeConfig(
        Path dataDir,
        String nodeId,
        String bindHost,
        String advertiseHost,
        int apiPort,
        int nbdPort,
        long poolCapacityBytes,
        long poolReserveBytes,
        double overcommitRatio,
        java.time.Duration scheduleInterval,
        String cluster,
        String zone,
        String rack,
        boolean storageless,
        int replPort,
        java.util.Map<String, String> labels,
        java.time.Duration livenessTtl,
        java.time.Duration replMoveTimeout,
        long resyncBytesPerSecond) {

    public static final int DEFAULT_API_PORT = 9020;
    public static final int DEFAULT_NBD_PORT = 10809;
    public static final double DEFAULT_OVERCOMMIT = 2.0;
    public static final java.time.Duration DEFAULT_LIVENESS_TTL = java.time.Duration.ofSeconds(6);
    public static final java.time.Duration DEFAULT_REPL_MOVE_TIMEOUT = java.time.Duration.ofMinutes(10);
    public static final long DEFAULT_RESYNC_BYTES_PER_SECOND = 100L << 20;

    public NodeConfig {
        dataDir = dataDir.toAbsolutePath().normalize();
        io.wharf.core.Names.requireValid("node", nodeId);
        labels = labels == null ? java.util.Map.of() : java.util.Map.copyOf(labels);
        labels.forEach(io.wharf.core.Names::requireValidLabel);
        if (cluster != null) {
            try {
                io.wharf.metadata.etcd.EtcdStoreConfig.parseEndpoints(cluster);
            } catch (IllegalArgumentException e) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--cluster " + e.getMessage(),
                        "give etcd's client addresses, e.g. --cluster etcd://10.0.0.5:2379,10.0.0.6:2379");
            }
        }
        zone = zone == null || zone.isBlank() ? null : io.wharf.core.Names.requireValid("zone", zone);
        rack = rack == null || rack.isBlank() ? null : io.wharf.core.Names.requireValid("rack", rack);
        if (livenessTtl.compareTo(java.time.Duration.ofSeconds(2)) < 0 || livenessTtl.compareTo(java.time.Duration.ofMinutes(5)) > 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "liveness TTL " + livenessTtl + " is out of range",
                    "give a TTL between 2s and 5m, e.g. 6s");
        }
        if (resyncBytesPerSecond < 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--resync-bandwidth must not be negative",
                    "give a rate like 200MiB, or 0 for no limit");
        }
        if (replMoveTimeout.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--repl-move-timeout " + replMoveTimeout + " is too short",
                    "give at least 1 second; the default is 600 (10 minutes)");
        }
        requirePort("--api-port", apiPort);
        requirePort("--nbd-port", nbdPort);
        if (replPort != -1) {
            requirePort("--repl-port", replPort);
        }
        if (apiPort != 0 && apiPort == nbdPort) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "the API and NBD ports are both " + apiPort,
                    "give --api-port and --nbd-port different values");
        }
        if (poolCapacityBytes < 0 || poolReserveBytes < 0) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "pool capacity and reserve must not be negative",
                    "give sizes like 100GiB");
        }
        if (scheduleInterval.compareTo(java.time.Duration.ofMillis(100)) < 0 || scheduleInterval.compareTo(java.time.Duration.ofHours(1)) > 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "schedule interval " + scheduleInterval + " is out of range",
                    "give an interval between 100ms and 1h, e.g. 30s");
        }
        if (!(overcommitRatio >= 1.0 && overcommitRatio <= 100.0)) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "overcommit ratio " + overcommitRatio + " is out of range",
                    "give a ratio between 1.0 (no overcommit) and 100");
        }
    }

    private static void requirePort(String flag, int port) {
        if (port < 0 || port > 65535) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, flag + " " + port + " is not a port number",
                    "give a port between 1 and 65535 (0 picks a free one)");
        }
    }

    /** Single node on the embedded store (no {@code --cluster}). */
    public boolean embedded() {
        return cluster == null;
    }

    public Path storeDir() {
        return dataDir.resolve("store");
    }

    public Path poolDir() {
        return dataDir.resolve("pool");
    }
}
