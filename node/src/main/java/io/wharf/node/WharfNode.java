package io.wharf.node;

import io.wharf.api.ApiServer;
import io.wharf.backup.BackupConfig;
import io.wharf.core.Clock;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.core.WharfVersion;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.embedded.EmbeddedStore;
import io.wharf.metadata.etcd.EtcdStore;
import io.wharf.metadata.etcd.EtcdStoreConfig;
import io.wharf.metadata.model.NodeRecord;
import io.wharf.node.cluster.Membership;
import io.wharf.node.cluster.NodeIdentity;
import io.wharf.node.replication.EventLog;
import io.wharf.node.replication.PeerLinks;
import io.wharf.node.replication.ReplicaHost;
import io.wharf.node.replication.Replication;
import io.wharf.node.replication.ReplicationLoop;
import io.wharf.node.replication.StoreRecords;
import io.wharf.node.replication.SnapshotSeeding;
import io.wharf.node.transport.ReplicaServer;
import io.wharf.node.transport.ReplicaServerConfig;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.storage.PoolUsage;
import java.time.Instant;
import io.wharf.nbd.NbdServer;
import io.wharf.nbd.NbdServerConfig;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node daemon: opens the cluster store and the pool, recovers, then serves NBD and the API.
 * Closing it stops the servers first, then flushes and closes the pool and the store.
 */
public final class WharfNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WharfNode.class);

    /**
     * Export calls at once in a cluster: a volume served over the transport waits on the network,
     * so a queue depth of 32 needs as many calls in flight (they are virtual threads).
     */
    private static final int REMOTE_IO_THREADS = 64;

    private final NodeConfig config;
    private final Deque<AutoCloseable> resources;
    private final NbdServer nbd;
    private final ApiServer api;
    private boolean closed;

    private WharfNode(NodeConfig config, Deque<AutoCloseable> resources, NbdServer nbd, ApiServer api) {
        this.config = config;
        this.resources = resources;
        this.nbd = nbd;
        this.api = api;
    }

    public static WharfNode start(NodeConfig config) {
        log.atInfo().addKeyValue("config", config).log("starting node");
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Files.createDirectories(config.dataDir());
            Pool pool = push(opened, Pool.open(config.poolDir(),
                    new PoolConfig(config.poolCapacityBytes(), config.poolReserveBytes(), config.overcommitRatio())));
            NodeIdentity identity = NodeIdentity.of(config.dataDir(), config.nodeId()); // after the pool's lock is ours
            ClusterStore store = push(opened, openStore(config));
            Membership.claim(store, config.nodeId(), identity.instance());
            String clusterId = ClusterIdentity.ensure(store, Clock.SYSTEM);
            VolumeCatalog catalog = new VolumeCatalog(store);
            Exports exports = new Exports();
            push(opened, exports::closeAll);
            NbdServer nbd = push(opened, new NbdServer(NbdServerConfig.defaults().withBindHost(config.bindHost()).withPort(config.nbdPort())
                    .withIoThreads(config.embedded() ? NbdServerConfig.defaults().ioThreads() : REMOTE_IO_THREADS), exports));
            VolumeService service = new VolumeService(config, catalog, pool, nbd, exports, Clock.SYSTEM, clusterId);
            service.recover();
            bind("NBD", config.nbdPort(), "--nbd-port", nbd::start);
            NodeMetrics metrics = new NodeMetrics(service, exports, nbd);
            BackupService backups = new BackupService(config, store, service, catalog, pool, Clock.SYSTEM, BackupConfig.defaults());
            ApiServer api = push(opened, new ApiServer(config.bindHost(), config.apiPort(), service, backups, metrics::render));
            api.ready(false);
            bind("API", config.apiPort(), "--api-port", api::start);
            String replAddress = null;
            if (config.replPort() != -1) {
                ReplicationConfig defaults = ReplicationConfig.DEFAULTS;
                ReplicationConfig replicationConfig = new ReplicationConfig(defaults.regionBytes(), defaults.requestTimeoutNanos(),
                        defaults.storeRetryNanos(), defaults.storeAttempts(), config.resyncBytesPerSecond(), defaults.resyncRetryNanos(),
                        defaults.settleEveryFlushes(), defaults.maxPendingOps(), defaults.settleIdleNanos(),
                        defaults.activityLogRegions());
                // closed in reverse: the server (no more frames), the host (storage calls drained), then the loop
                ReplicationLoop replicationLoop = push(opened, new ReplicationLoop("replication-loop"));
                ReplicaHost replicaHost = push(opened, new ReplicaHost(config.nodeId(), pool, config.dataDir().resolve("replicas"),
                        replicationLoop, replicationConfig, new EventLog()));
                ReplicaServer replicas = push(opened, new ReplicaServer(
                        ReplicaServerConfig.of(config.bindHost(), config.replPort(), clusterId, config.nodeId()), pool, replicaHost));
                bind("replication", config.replPort(), "--repl-port", replicas::start);
                replAddress = config.advertiseHost() + ":" + replicas.port();
                // the target role: replicas reached through links; every record change a compare-and-set in the store
                PeerLinks links = push(opened, new PeerLinks(clusterId, config.nodeId(), replicationLoop, replicaHost,
                        node -> peerReplAddress(store, node), replicationConfig));
                SnapshotSeeding seeding = push(opened, new SnapshotSeeding(config.nodeId(), clusterId, replicationLoop, links, pool,
                        service.snapshots().seedRecords(), replicationConfig, node -> peerReplAddress(store, node)));
                service.replication(new Replication(config.nodeId(), replicationLoop, new StoreRecords(store, replicationLoop), links,
                        replicationConfig, new EventLog(), replicaHost, pool::volume, seeding), replicaHost);
            }
            Instant startedAt = Clock.SYSTEM.now();
            NodeRecord self = NodeRecord.of(config.nodeId(), identity.instance(), config.advertiseHost() + ":" + api.port(),
                    config.advertiseHost() + ":" + nbd.port(), replAddress, config.zone(), config.rack(), config.storageless(),
                    WharfVersion.version(), startedAt, config.labels(), config.storageless() ? null : config.poolDir().toString());
            Membership membership = push(opened, new Membership(store, Clock.SYSTEM, self, config.livenessTtl(), () -> {
                PoolUsage usage = service.poolUsage();
                if (config.storageless()) {
                    return new Membership.Usage(0, 0, 0, config.overcommitRatio());
                }
                return new Membership.Usage(usage.capacityBytes(), usage.usedBytes(), usage.provisionedBytes(),
                        config.overcommitRatio());
            }));
            membership.join();
            service.membership(membership);
            Attachments attachments = push(opened, service.newAttachments(clusterId));
            attachments.start(store);
            service.attachments(attachments);
            ScheduleController schedules = push(opened, new ScheduleController(service, backups, Clock.SYSTEM, config.scheduleInterval()));
            schedules.start();
            backups.resume();
            api.ready(true);
            log.atInfo().addKeyValue("api", api.port()).addKeyValue("nbd", nbd.port())
                    .addKeyValue("version", WharfVersion.version()).log("node started");
            return new WharfNode(config, opened, nbd, api);
        } catch (WharfException e) {
            closeAll(opened);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeAll(opened);
            throw new WharfException(ErrorCode.DATA_DIR_INVALID, "cannot start the node over " + config.dataDir() + ": " + e,
                    "check that the data directory is writable and was made by this version of Wharf", e);
        }
    }

    /** etcd when the node joins a cluster, else the embedded store in the data directory. */
    /** Where node {@code nodeId}'s replica server listens, as its record in the store says (empty if unknown). */
    private static java.util.Optional<String> peerReplAddress(ClusterStore store, String nodeId) {
        return store.get(io.wharf.metadata.model.Keys.node(nodeId))
                .map(kv -> io.wharf.metadata.model.ModelCodec.decode(kv.value().toByteArray(), NodeRecord.class).replAddress());
    }

    private static ClusterStore openStore(NodeConfig config) throws IOException {
        if (config.embedded()) {
            return EmbeddedStore.open(config.storeDir(), Clock.SYSTEM);
        }
        return EtcdStore.open(EtcdStoreConfig.parse(config.cluster()));
    }

    private interface Starter {
        void start() throws IOException;
    }

    private static void bind(String what, int port, String flag, Starter starter) throws IOException {
        try {
            starter.start();
        } catch (BindException e) {
            throw new WharfException(ErrorCode.PORT_IN_USE, "the " + what + " port " + port + " is already in use",
                    "stop whatever listens there (is another `wharf up` running?), or choose another port with " + flag, e);
        }
    }

    private static <T extends AutoCloseable> T push(Deque<AutoCloseable> opened, T resource) {
        opened.push(resource);
        return resource;
    }

    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            AutoCloseable resource = opened.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.atError().setCause(e).addKeyValue("resource", resource.getClass().getSimpleName()).log("close failed");
            }
        }
    }

    public int apiPort() {
        return api.port();
    }

    public int nbdPort() {
        return nbd.port();
    }

    public String version() {
        return WharfVersion.version();
    }

    public NodeConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("stopping node");
        closeAll(resources);
        log.info("node stopped");
    }
}
