package io.wharf.node.cluster;

import io.wharf.core.Clock;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Compare;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Op;
import io.wharf.metadata.Txn;
import io.wharf.metadata.model.Keys;
import io.wharf.metadata.model.ModelCodec;
import io.wharf.metadata.model.NodeLiveness;
import io.wharf.metadata.model.NodeRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's place in the cluster. {@link #join} writes the node's record (which stays while the
 * node is down) and its liveness key under a lease; a thread renews the lease every third of its
 * TTL and reports pool usage. A node killed or cut off from the store loses its liveness key when
 * the lease expires, so every node shows it offline within the TTL. A clean stop revokes the lease:
 * offline at once.
 *
 * <p>A node id belongs to one data directory (its {@code instance}): a second data directory
 * claiming a known id is refused, and a restart of the same directory takes over from a liveness
 * key its previous run left behind (that run is gone: the directory's lock says so).
 */
public final class Membership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    /** Pool figures the node reports; all 0 for a storage-less node. */
    public record Usage(long capacityBytes, long usedBytes, long provisionedBytes, double overcommitRatio) {}

    private final ClusterStore store;
    private final Clock clock;
    private final Duration ttl;
    private final Supplier<Usage> usage;
    private final NodeRecord self;
    private final Thread renewer;
    private volatile long leaseId = ClusterStore.NO_LEASE;
    private volatile boolean stopped;
    private Usage lastReported;

    public Membership(ClusterStore store, Clock clock, NodeRecord self, Duration ttl, Supplier<Usage> usage) {
        this.store = store;
        this.clock = clock;
        this.self = self;
        this.ttl = ttl;
        this.usage = usage;
        this.renewer = Thread.ofPlatform().name("membership").daemon().unstarted(this::renewLoop);
    }

    public String nodeId() {
        return self.id();
    }

    /**
     * Refuses a node id that another data directory holds, before the node serves anything.
     *
     * @throws WharfException NODE_ID_IN_USE
     */
    public static void claim(ClusterStore store, String nodeId, String instance) {
        Optional<KeyValue> existing = store.get(Keys.node(nodeId));
        if (existing.isPresent()) {
            NodeRecord known = decode(existing.get());
            if (!known.instance().equals(instance)) {
                throw new WharfException(ErrorCode.NODE_ID_IN_USE, "node id '" + nodeId + "' belongs to another node"
                        + " (API " + known.apiAddress() + ", data directory instance " + known.instance() + ")",
                        "give this node another --node-id, or decommission the other node first");
            }
        }
    }

    /** Registers the node and starts renewing its lease. */
    public void join() {
        claim(store, self.id(), self.instance());
        Bytes recordKey = Bytes.of(Keys.node(self.id()));
        Optional<KeyValue> existing = store.get(recordKey);
        NodeRecord record = self;
        if (existing.isPresent()) {
            record = decode(existing.get()).restartedAs(self);
            takeOverStaleLiveness();
        }
        Usage now = usage.get();
        record = record.withUsage(now.capacityBytes(), now.usedBytes(), now.provisionedBytes(), now.overcommitRatio(),
                clock.now());
        store.put(recordKey, Bytes.of(ModelCodec.encode(record)));
        lastReported = now;
        goLive();
        renewer.start();
        log.atInfo().addKeyValue("node", self.id()).addKeyValue("zone", self.zone()).addKeyValue("rack", self.rack())
                .addKeyValue("ttl", ttl).log("joined the cluster");
    }

    /** A liveness key left by this node's previous run (killed before its lease expired) goes now. */
    private void takeOverStaleLiveness() {
        store.get(Keys.live(self.id())).ifPresent(stale -> {
            log.atInfo().addKeyValue("node", self.id()).log("revoking the lease of this node's previous run");
            if (stale.leaseId() != ClusterStore.NO_LEASE) {
                store.revokeLease(stale.leaseId());
            }
            store.delete(Keys.live(self.id()));
        });
    }

    private void goLive() {
        long lease = store.grantLease(ttl);
        Bytes key = Bytes.of(Keys.live(self.id()));
        store.put(key, Bytes.of(ModelCodec.encode(NodeLiveness.of(self.id(), self.startedAt()))), lease);
        leaseId = lease;
    }

    private void renewLoop() {
        long periodNanos = ttl.toNanos() / 3;
        while (!stopped) {
            LockSupport.parkNanos(periodNanos); // the renewal period, not a wait for a condition
            if (stopped) {
                return;
            }
            try {
                if (!store.keepAlive(leaseId)) {
                    log.atWarn().addKeyValue("node", self.id()).log("lease lost (expired while the store was unreachable); going live again");
                    goLive();
                }
                reportUsage();
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("node", self.id()).addKeyValue("error", e.getMessage())
                        .log("cannot renew the node's lease; retrying");
            }
        }
    }

    private void reportUsage() {
        Usage now = usage.get();
        if (now.equals(lastReported)) {
            return;
        }
        update(self.id(), r -> r.withUsage(now.capacityBytes(), now.usedBytes(), now.provisionedBytes(),
                now.overcommitRatio(), clock.now()));
        lastReported = now;
    }

    /** Sets or clears a node's maintenance flag (any node may do it for any node). */
    public NodeRecord setMaintenance(String nodeId, boolean on) {
        return update(nodeId, r -> r.withMaintenance(on, clock.now()));
    }

    /** Read-modify-write of a node record, retried when another writer got in between. */
    private NodeRecord update(String nodeId, java.util.function.UnaryOperator<NodeRecord> change) {
        Bytes key = Bytes.of(Keys.node(nodeId));
        for (int attempt = 0; attempt < 100; attempt++) {
            KeyValue current = store.get(key).orElseThrow(() -> notFound(nodeId));
            NodeRecord updated = change.apply(decode(current));
            boolean written = store.txn(Txn.when(Compare.modRevision(key, current.modRevision()))
                    .then(Op.put(key, Bytes.of(ModelCodec.encode(updated)))).otherwise()).succeeded();
            if (written) {
                return updated;
            }
        }
        throw new WharfException(ErrorCode.UNAVAILABLE, "node record '" + nodeId + "' keeps changing under this update",
                "try again");
    }

    /** Every node that joined, with whether it is online now. */
    public List<NodeView> nodes() {
        Set<String> live = new HashSet<>();
        for (KeyValue kv : store.range(Keys.live())) {
            Keys.liveId(kv.key().toUtf8()).ifPresent(live::add);
        }
        List<NodeView> nodes = new ArrayList<>();
        for (KeyValue kv : store.range(Keys.nodes())) {
            NodeRecord record = decode(kv);
            nodes.add(new NodeView(record, live.contains(record.id())));
        }
        return nodes;
    }

    /** Forgets a node (decommission): its record and any liveness key go in one transaction. */
    public void remove(String nodeId) {
        store.txn(Txn.of(Op.delete(Bytes.of(Keys.node(nodeId))), Op.delete(Bytes.of(Keys.live(nodeId)))));
    }

    public NodeView node(String nodeId) {
        NodeRecord record = store.get(Keys.node(nodeId)).map(Membership::decode).orElseThrow(() -> notFound(nodeId));
        return new NodeView(record, store.get(Keys.live(nodeId)).isPresent());
    }

    private static WharfException notFound(String nodeId) {
        return new WharfException(ErrorCode.NODE_NOT_FOUND, "node '" + nodeId + "' is not a member of this cluster",
                "list nodes with `wharf node list`");
    }

    private static NodeRecord decode(KeyValue kv) {
        return ModelCodec.decode(kv.value().toByteArray(), NodeRecord.class);
    }

    /** Stops renewing and revokes the lease: the node shows offline at once. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        LockSupport.unpark(renewer);
        if (renewer.isAlive()) {
            renewer.join(Duration.ofSeconds(30));
        }
        if (leaseId != ClusterStore.NO_LEASE) {
            try {
                store.revokeLease(leaseId);
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("error", e.getMessage()).log("could not revoke the lease; it expires by itself");
            }
        }
    }

    /** A node and whether it is online. */
    public record NodeView(NodeRecord record, boolean online) {
        /** {@code maintenance}, {@code online} or {@code offline}. */
        public String state() {
            if (!online) {
                return "offline";
            }
            return record.maintenance() ? "maintenance" : "online";
        }

        public Instant startedAt() {
            return record.startedAt();
        }
    }
}
