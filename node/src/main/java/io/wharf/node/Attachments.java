package io.wharf.node;

import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.NodeRecord;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.metadata.model.VolumeState;
import io.wharf.nbd.NbdServer;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.node.cluster.Membership;
import io.wharf.node.replication.Replication;
import io.wharf.node.replication.TargetVolume;
import io.wharf.node.transport.RemoteVolume;
import io.wharf.node.transport.ReplicaClient;
import io.wharf.node.transport.ReplicaClientConfig;
import io.wharf.storage.Pool;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
    private final Replication replication;
    private static final java.util.concurrent.Executor CALLBACKS = runnable -> Thread.ofVirtual().name("attach").start(runnable);
    /** Replicated volumes whose takeover runs now, by name. */
    private final Map<String, CompletableFuture<Void>> attaching = new ConcurrentHashMap<>();
    private final ExecutorService watchEvents = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("attachments").daemon().factory());
    private Watch watch;

    Attachments(NodeConfig config, String clusterId, VolumeCatalog catalog, Pool pool, Exports exports, NbdServer nbd,
                Membership membership, Object controlLock, Replication replication) {
        this.replication = replication;
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
                if (record.get().replicated()) {
                    reconcileReplicated(record.get(), current);
                    return;
                }
                boolean dataHere = config.nodeId().equals(record.get().node());
                if (current.isPresent() && (current.get().volume() instanceof RemoteVolume) != dataHere) {
                    if (current.get().volume() instanceof RemoteVolume remote && remote.sizeBytes() < record.get().sizeBytes()) {
                        followResize(name, remote, record.get().sizeBytes());
                    }
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

    /**
     * A volume served here through the transport was resized where its data is: the record changes
     * first, then the storage grows, so the new size is polled for (a few seconds at most) until the
     * data's node serves it; clients see it on their next request (a growable export) or connection.
     */
    private void followResize(String name, RemoteVolume remote, long expected) {
        Thread.ofVirtual().name("follow-resize").start(() -> {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                try {
                    if (remote.refreshSize() >= expected) {
                        log.atInfo().addKeyValue("volume", name).addKeyValue("sizeBytes", expected).log("remote volume grew");
                        return;
                    }
                } catch (IOException | RuntimeException e) {
                    log.atDebug().addKeyValue("volume", name).addKeyValue("error", e.getMessage()).log("size refresh failed; retrying");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100)); // poll period
            }
            log.atWarn().addKeyValue("volume", name).addKeyValue("sizeBytes", expected)
                    .log("the data's node did not serve the new size in time; re-attach the volume to see it");
        });
    }

    /**
     * A replicated volume is served by the node its record names as target, once that node took a
     * new epoch (the core's takeover, asynchronous); the node that served it before stops when it
     * sees the change (and is fenced by the new epoch whatever it does).
     */
    private void reconcileReplicated(VolumeRecord record, Optional<VolumeExport> current) {
        String name = record.name();
        if (!config.nodeId().equals(record.target())) {
            current.ifPresent(export -> stopServing(name, export));
            return;
        }
        if (current.isPresent() && current.get().volume() instanceof TargetVolume target && target.serving().join()) {
            return; // already served here, at the current epoch
        }
        current.ifPresent(export -> stopServing(name, export));
        if (replication == null) {
            log.atWarn().addKeyValue("volume", name).log("a replicated volume is attached here, but this node runs no replication");
            return;
        }
        if (attaching.containsKey(name)) {
            return;
        }
        CompletableFuture<Void> served = new CompletableFuture<>();
        attaching.put(name, served);
        replication.attach(record).whenCompleteAsync((target, failure) -> { // off the loop: this takes the control lock
            synchronized (controlLock) {
                attaching.remove(name);
                if (failure != null) {
                    log.atWarn().addKeyValue("volume", name).addKeyValue("error", failure.getMessage())
                            .log("cannot attach the replicated volume here now; retrying at the next pass");
                    served.completeExceptionally(failure instanceof java.util.concurrent.CompletionException c
                            && c.getCause() != null ? c.getCause() : failure);
                    return;
                }
                Optional<VolumeRecord> now = catalog.get(name);
                if (now.isEmpty() || now.get().state() != VolumeState.READY || !now.get().id().equals(record.id())
                        || !config.nodeId().equals(now.get().target())) {
                    target.detach(); // the record moved on while the takeover ran
                    served.completeExceptionally(new WharfException(ErrorCode.UNAVAILABLE, "volume '" + name
                            + "' was detached or moved while it was being attached here", "see wharf volume inspect " + name));
                    return;
                }
                exports.putVolume(new VolumeExport(name, target));
                log.atInfo().addKeyValue("volume", name).log("serving replicated volume");
                served.complete(null);
            }
        }, CALLBACKS);
    }

    /**
     * Completes when the volume is served here (at once when it already is), exceptionally when the
     * attach in progress failed; empty when this node neither serves nor attaches it.
     */
    Optional<CompletableFuture<Void>> served(String name) {
        synchronized (controlLock) {
            CompletableFuture<Void> inProgress = attaching.get(name);
            if (inProgress != null) {
                return Optional.of(inProgress);
            }
            return exports.volume(name).map(export -> CompletableFuture.completedFuture(null));
        }
    }

    /** Retries the replicated volumes that should be served here and are not (a failed attach, a fenced or failed target). */
    void retryUnserved() {
        for (VolumeRecord record : catalog.list()) {
            if (record.replicated() && record.state() == VolumeState.READY && config.nodeId().equals(record.target())) {
                reconcile(record.name());
            }
        }
    }

    /** Stops serving the volume here (a delete): clients disconnected, a replicated target detached. */
    void release(String name) {
        synchronized (controlLock) {
            exports.volume(name).ifPresent(export -> stopServing(name, export));
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
        if (export.volume() instanceof TargetVolume target) {
            target.detach(); // flushes if it still serves; a newer epoch has fenced it otherwise
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
