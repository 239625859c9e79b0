package io.wharf.node;

import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.NodeRecord;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.metadata.model.VolumeState;
import io.wharf.nbd.NbdServer;
import io.wharf.node.cluster.Membership;
import io.wharf.node.transport.RemoteVolume;
import io.wharf.node.transport.ReplicaClient;
import io.wharf.node.transport.ReplicaClientConfig;
import io.wharf.storage.Pool;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which volumes this node serves over NBD: those whose target (the node they are attached to, or
 * else the node holding their data) is this node. A volume whose data is elsewhere is served
 * through a {@link RemoteVolume} over the replication transport. A watch on the volume records
 * brings every change (attach, detach, create, delete on any node) here, and {@link #reconcile}
 * makes this node's exports match: it starts serving a volume attached here and stops serving
 * (disconnecting its clients) one attached elsewhere.
 */
final class Attachments implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Attachments.class);

    private final NodeConfig config;
    private final String clusterId;
    private final VolumeCatalog catalog;
    private final Pool pool;
    private final Exports exports;
    private final NbdServer nbd;
    private final Membership membership;
    private final Object controlLock;
    private final Map<String, ReplicaClient> clients = new ConcurrentHashMap<>();
    private final ExecutorService watchEvents = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("attachments").daemon().factory());
    private Watch watch;

    Attachments(NodeConfig config, String clusterId, VolumeCatalog catalog, Pool pool, Exports exports, NbdServer nbd,
                Membership membership, Object controlLock) {
        this.config = config;
        this.clusterId = clusterId;
        this.catalog = catalog;
        this.pool = pool;
        this.exports = exports;
        this.nbd = nbd;
        this.membership = membership;
        this.controlLock = controlLock;
    }

    /** Reconciles every volume, then follows changes from the store. */
    void start(ClusterStore store) {
        long from = store.revision() + 1;
        for (VolumeRecord record : catalog.list()) {
            reconcile(record.name());
        }
        watch = store.watch(Keys.volumes(), from, event -> watchEvents.execute(() -> onEvent(event)));
    }

    private void onEvent(WatchEvent event) {
        switch (event) {
            case WatchEvent.Put put -> Keys.volumeName(put.keyValue().key().toUtf8()).ifPresent(this::reconcile);
            case WatchEvent.Delete delete -> Keys.volumeName(delete.key().toUtf8()).ifPresent(this::reconcile);
            case WatchEvent.Compacted compacted -> {
                log.atWarn().addKeyValue("revision", compacted.compactRevision())
                        .log("volume watch fell behind a compaction; reconciling every volume");
                catalog.list().forEach(record -> reconcile(record.name()));
            }
        }
    }

    /** Makes this node serve the volume exactly when it is the volume's target. */
    void reconcile(String name) {
        synchronized (controlLock) {
            try {
                Optional<VolumeRecord> record = catalog.get(name);
                Optional<VolumeExport> current = exports.volume(name);
                if (record.isPresent() && record.get().state() != VolumeState.READY) {
                    return; // a create or delete in progress owns the export
                }
                boolean serveHere = record.isPresent() && config.nodeId().equals(record.get().target());
                if (!serveHere) {
                    current.ifPresent(export -> stopServing(name, export));
                    return;
                }
                boolean dataHere = config.nodeId().equals(record.get().node());
                if (current.isPresent() && (current.get().volume() instanceof RemoteVolume) != dataHere) {
                    return; // already served the right way
                }
                current.ifPresent(export -> stopServing(name, export));
                Volume volume = dataHere ? pool.volume(record.get().id()).orElseThrow() : openRemote(record.get());
                exports.putVolume(new VolumeExport(name, volume));
                log.atInfo().addKeyValue("volume", name).addKeyValue("data", record.get().node())
                        .log(dataHere ? "serving volume" : "serving volume from its node over the transport");
            } catch (IOException | RuntimeException e) {
                log.atWarn().addKeyValue("volume", name).addKeyValue("error", e.getMessage())
                        .log("cannot serve the volume here now; the next change retries");
            }
        }
    }

    private RemoteVolume openRemote(VolumeRecord record) throws IOException {
        NodeRecord owner = membership.node(record.node()).record();
        if (owner.replAddress() == null) {
            throw new IOException("node " + owner.id() + " has no replication address");
        }
        int colon = owner.replAddress().lastIndexOf(':');
        String host = owner.replAddress().substring(0, colon);
        int port = Integer.parseInt(owner.replAddress().substring(colon + 1));
        ReplicaClient client = clients.compute(owner.id(), (id, known) -> {
            if (known != null && known.peer().equals(owner.replAddress())) {
                return known;
            }
            if (known != null) {
                known.close();
            }
            return new ReplicaClient(ReplicaClientConfig.of(host, port, clusterId, config.nodeId()));
        });
        return client.open(record.id(), 0);
    }

    private void stopServing(String name, VolumeExport export) {
        exports.removeVolume(name);
        nbd.disconnectAll(name);
        if (export.volume() instanceof RemoteVolume remote) {
            remote.close();
        }
        log.atInfo().addKeyValue("volume", name).log("stopped serving volume here");
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        watchEvents.shutdownNow();
        clients.values().forEach(ReplicaClient::close);
    }
}
