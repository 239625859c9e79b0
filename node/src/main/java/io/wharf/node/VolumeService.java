package io.wharf.node;

import io.wharf.api.ClusterInfo;
import io.wharf.api.NodeInfo;
import io.wharf.api.PolicyInfo;
import io.wharf.api.PoolInfo;
import io.wharf.api.ReplicationInfo;
import io.wharf.api.VolumeChecksum;
import io.wharf.api.VolumeUpdate;
import io.wharf.metadata.model.VolumeReplica;
import io.wharf.node.replication.ReplicaHost;
import io.wharf.node.replication.Replication;
import io.wharf.node.replication.TargetVolume;
import io.wharf.replication.sync.target.VolumeStatus;
import io.wharf.control.placement.Placement;
import io.wharf.control.schedule.Schedule;
import io.wharf.metadata.model.PolicyRecord;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.VersionInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeSpaceInfo;
import io.wharf.api.WharfApi;
import io.wharf.core.ByteSize;
import io.wharf.core.Clock;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import io.wharf.core.WharfVersion;
import io.wharf.metadata.model.NodeRecord;
import io.wharf.metadata.model.VolumeRecord;
import io.wharf.node.cluster.Membership;
import io.wharf.node.cluster.Peers;
import io.wharf.metadata.model.VolumeState;
import io.wharf.nbd.NbdServer;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolUsage;
import io.wharf.storage.Volume;
import io.wharf.storage.VolumeSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's implementation of the API for a single-node cluster: volumes live in this node's
 * pool, their records in the cluster store.
 *
 * <p>Invariant: a volume is served (present in {@link #exports}) only while its record is
 * {@link VolumeState#READY} and its storage exists. Control operations are serialized by one lock;
 * the data path never takes it.
 *
 * <p>Crash safety: each operation writes its intent to the store before it touches storage and
 * completes the record after, so {@link #recover()} can finish or undo whatever a crash cut short.
 */
final class VolumeService implements WharfApi {
    static final long MAX_VOLUME_BYTES = 8 * ByteSize.TIB;
    private static final long BLOCK = 4096;
    private static final Logger log = LoggerFactory.getLogger(VolumeService.class);

    private final NodeConfig config;
    private final VolumeCatalog catalog;
    private final Pool pool;
    private final NbdServer nbd;
    private final Clock clock;
    private final String clusterId;
    private final Exports exports;
    private final SnapshotService snapshots;
    private final Object controlLock = new Object();

    VolumeService(NodeConfig config, VolumeCatalog catalog, Pool pool, NbdServer nbd, Exports exports, Clock clock,
                  String clusterId) {
        this.config = config;
        this.catalog = catalog;
        this.pool = pool;
        this.nbd = nbd;
        this.exports = exports;
        this.clock = clock;
        this.clusterId = clusterId;
        this.snapshots = new SnapshotService(config, catalog, pool, nbd, exports, clock, controlLock, this::snapshotReplicas);
    }

    /** Finishes or undoes what a crash interrupted, then serves every ready volume. */
    void recover() throws IOException {
        synchronized (controlLock) {
            List<VolumeRecord> records = catalog.list().stream().filter(this::isLocal).toList();
            for (VolumeRecord record : records) {
                switch (record.state()) {
                    case CREATING, DELETING -> settle(record);
                    case READY -> {
                        if (!record.replicated()) {
                            serveReady(record); // a replicated volume is served once its target took an epoch (Attachments)
                        }
                    }
                }
            }
            snapshots.recover();
            List<String> known = catalog.list().stream().map(VolumeRecord::id).toList();
            for (String id : pool.volumeIds()) {
                if (!known.contains(id)) {
                    log.atWarn().addKeyValue("volumeId", id).log("deleting storage that no volume record names");
                    pool.delete(id);
                }
            }
        }
    }

    /**
     * Settles the intents that an operation left when the store failed under it (a create whose
     * READY record could not be written, a delete whose record could not be removed): the same
     * as recovery after a crash. Runs under the control lock, so no operation is in flight and
     * every intent seen is one left behind. Called periodically; a store still unreachable just
     * waits for the next pass.
     */
    void settleIntents() {
        synchronized (controlLock) {
            try {
                for (VolumeRecord record : catalog.list()) {
                    if (!isLocal(record)) {
                        continue;
                    }
                    if (record.state() != VolumeState.READY) {
                        settle(record);
                    } else if (!record.replicated() && exports.volume(record.name()).isEmpty()) {
                        serveReady(record); // a create whose READY record was written though the store did not say so
                    }
                }
                snapshots.settleIntents();
                removeOrphanReplicas();
                snapshots.removeOrphans(catalog.list().stream().filter(r -> r.replicated() && r.holdsData(config.nodeId())).toList());
                repairReplicas();
                Attachments started = attachments;
                if (started != null) {
                    started.retryUnserved();
                }
            } catch (IOException | RuntimeException e) {
                log.atWarn().addKeyValue("error", e.getMessage()).log("cannot settle intents now; retrying at the next pass");
            }
        }
    }

    /**
     * Deletes replica copies here whose volume no record names any more (deleted while this node was
     * away, or deleted by its home node, which removes only its own copy). Only copies the replica side
     * holds are considered: those are created by a target's first attach, after the volume's record was
     * written, so listing the pool before the records cannot catch a copy being created.
     */
    private void removeOrphanReplicas() throws IOException {
        ReplicaHost host = replicaHost;
        if (host == null) {
            return;
        }
        java.util.Collection<String> present = pool.volumeIds();
        java.util.Set<String> named = new java.util.HashSet<>(); // the volumes this node holds a copy of
        catalog.list().stream().filter(record -> record.holdsData(config.nodeId())).forEach(record -> named.add(record.id()));
        for (String id : present) {
            if (!named.contains(id) && host.holds(id)) {
                log.atInfo().addKeyValue("volumeId", id).log("deleting a replica copy that no volume names here any more");
                host.forget(id);
                if (pool.volume(id).isPresent()) {
                    pool.delete(id);
                }
            }
        }
    }

    /**
     * Replaces the replicas whose node has been offline past {@code --repl-move-timeout}, for the
     * replicated volumes this node is the target of: a new replica is placed (in the failed node's zone
     * when a node there has room, else by the usual spread), recorded and rebuilt online, and the lost
     * one is removed. When the lost copy was on the volume's node, another replica in sync takes that
     * role. Offline since: the node's last usage report.
     */
    private void repairReplicas() {
        Membership joined = membership;
        if (joined == null || replication == null) {
            return;
        }
        Instant now = clock.now();
        for (VolumeRecord record : catalog.list()) {
            if (!record.replicated() || record.state() != VolumeState.READY || !config.nodeId().equals(record.target())
                    || !(exports.volume(record.name()).map(VolumeExport::volume).orElse(null) instanceof TargetVolume target)) {
                continue;
            }
            for (VolumeReplica replica : record.replicas()) { // in sync too: with no I/O, nothing has marked it yet
                Optional<Membership.NodeView> node = joined.nodes().stream().filter(n -> n.record().id().equals(replica.node())).findFirst();
                Instant lastSeen = node.map(n -> n.record().reportedAt() != null ? n.record().reportedAt() : n.record().startedAt())
                        .orElse(Instant.EPOCH);
                if (node.isPresent() && (node.get().online() || lastSeen.plus(config.replMoveTimeout()).isAfter(now))) {
                    continue;
                }
                try {
                    String replacement = placeReplacement(record, node.map(n -> n.record().zone()).orElse(null));
                    changeReplica(target, record.name(), replacement, true);
                    changeReplica(target, record.name(), replica.node(), false);
                    snapshots.dropHolder(record, replica.node());
                    log.atWarn().addKeyValue("volume", record.name()).addKeyValue("lost", replica.node())
                            .addKeyValue("replacement", replacement).addKeyValue("offlineSince", lastSeen)
                            .log("replica replaced: its node stayed offline past --repl-move-timeout");
                    if (replica.node().equals(record.node())) { // the copy in sync that holds the most snapshots takes the role
                        VolumeRecord moved = requireReady(record.name());
                        List<io.wharf.metadata.model.SnapshotRecord> taken = catalog.snapshots(record.name());
                        moved.replicas().stream().filter(r -> r.state() == VolumeReplica.State.IN_SYNC)
                                .max(java.util.Comparator.comparingLong(r -> snapshotsHeld(taken, r, record)))
                                .ifPresent(inSync -> catalog.replace(moved, moved.withNode(inSync.node())));
                    }
                } catch (WharfException e) {
                    log.atWarn().addKeyValue("volume", record.name()).addKeyValue("lost", replica.node())
                            .addKeyValue("error", e.getMessage()).log("cannot replace the replica now; retrying at the next pass");
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                }
                break; // one change per volume per pass: the record changed
            }
        }
    }

    /** A node for a replacement replica: in {@code zone} when a node there has room, else anywhere placement allows. */
    private String placeReplacement(VolumeRecord record, String zone) {
        if (zone != null) {
            try {
                VolumeCreate sameZone = new VolumeCreate(record.name(), record.sizeBytes(), Map.of(), null, null,
                        freeNodes(record), List.of(zone), Map.of(), 1);
                return place(record.name(), record.sizeBytes(), sameZone, 1).getFirst();
            } catch (WharfException e) {
                log.atInfo().addKeyValue("volume", record.name()).addKeyValue("zone", zone).addKeyValue("why", e.getMessage())
                        .log("no room for the replacement replica in the lost node's zone; placing it elsewhere");
            }
        }
        return placeReplicas(record, 1).getFirst();
    }

    /** The nodes holding no copy of the volume. */
    private List<String> freeNodes(VolumeRecord record) {
        List<String> free = requireMembership().nodes().stream().map(node -> node.record().id())
                .filter(id -> !record.holdsData(id)).toList();
        if (free.isEmpty()) {
            throw new WharfException(ErrorCode.PLACEMENT_FAILED, "volume '" + record.name() + "' has a copy on every node",
                    "add nodes to the cluster, or ask for fewer replicas");
        }
        return free;
    }

    /** Rolls back a create or finishes a delete that was cut short. */
    private void settle(VolumeRecord record) throws IOException {
        switch (record.state()) {
            case CREATING -> {
                log.atInfo().addKeyValue("volume", record.name()).log("rolling back a create cut short");
                exports.removeVolume(record.name());
                if (pool.volume(record.id()).isPresent()) {
                    pool.delete(record.id());
                }
                catalog.delete(record.name());
            }
            case DELETING -> {
                log.atInfo().addKeyValue("volume", record.name()).log("finishing a delete cut short");
                exports.removeVolume(record.name());
                nbd.disconnectAll(record.name());
                if (pool.volume(record.id()).isPresent()) {
                    pool.delete(record.id());
                }
                snapshots.forgetAll(record.name());
                catalog.delete(record.name());
            }
            case READY -> throw new AssertionError("a ready volume has no intent to settle: " + record.name());
        }
    }

    private void serveReady(VolumeRecord record) throws IOException {
        Optional<Volume> volume = pool.volume(record.id());
        if (volume.isEmpty()) {
            // Corruption of the node's own state: the store says ready, the pool has nothing.
            throw new IllegalStateException("volume " + record.name() + " (" + record.id() + ") is recorded as ready but its storage is missing");
        }
        if (volume.get().sizeBytes() < record.sizeBytes()) {
            volume.get().resize(record.sizeBytes()); // a resize cut short after its record was written
        }
        if (config.nodeId().equals(record.target())) {
            exports.putVolume(new VolumeExport(record.name(), volume.get())); // else the node it is attached to serves it
        }
    }

    @Override
    public VolumeInfo createVolume(VolumeCreate request) {
        String name = Names.requireValid("volume", request.name());
        request.labels().forEach(Names::requireValidLabel);
        request.nodes().forEach(n -> Names.requireValid("node", n));
        request.zones().forEach(z -> Names.requireValid("zone", z));
        request.nodeSelector().forEach(Names::requireValidLabel);
        long sizeBytes = roundUpToBlock(requireSize(request.sizeBytes()));
        int repl = requireRepl(request.repl());
        if (catalog.get(name).isPresent()) {
            throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + name + "' already exists",
                    "choose another name, or delete the existing volume first");
        }
        List<String> chosen = place(name, sizeBytes, request, repl);
        if (!chosen.contains(config.nodeId())) {
            String home = chosen.getFirst();
            return peers().owner(home, "node '" + home + "'").orElseThrow()
                    .createVolume(repl == 1 ? request.on(home) : request.on(chosen));
        }
        if (repl > 1 && replication == null) {
            throw new WharfException(ErrorCode.NOT_SUPPORTED, "node '" + config.nodeId() + "' runs without a replication port",
                    "replicated volumes need nodes started with `wharf node start` and a --repl-port");
        }
        if (config.storageless()) { // only when this node's record is not written yet
            throw new WharfException(ErrorCode.PLACEMENT_FAILED, "node '" + config.nodeId() + "' is storage-less",
                    "create the volume through a node with storage, or let placement choose one");
        }
        String schedule = blankToNull(request.snapshotSchedule());
        String policy = blankToNull(request.schedulePolicy());
        synchronized (controlLock) {
            if (catalog.get(name).isPresent()) {
                throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + name + "' already exists",
                        "choose another name, or delete the existing volume first");
            }
            requireScheduleChoice(name, schedule, policy);
            requireCapacityFor(sizeBytes, name);
            Instant now = clock.now();
            VolumeRecord record = VolumeRecord.of(UUID.randomUUID().toString(), name, sizeBytes,
                    request.labels(), VolumeState.CREATING, config.nodeId(), now);
            if (schedule != null || policy != null) {
                record = record.withSchedule(schedule, policy, now);
            }
            if (repl > 1) { // this node's copy first; the others are created empty by the first attach
                List<VolumeReplica> replicas = new ArrayList<>();
                replicas.add(new VolumeReplica(config.nodeId(), VolumeReplica.State.IN_SYNC));
                chosen.stream().filter(n -> !n.equals(config.nodeId()))
                        .forEach(n -> replicas.add(new VolumeReplica(n, VolumeReplica.State.IN_SYNC)));
                record = record.withReplication(0, null, replicas);
            }
            catalog.create(record);
            try {
                Volume volume = pool.create(record.id(), sizeBytes);
                VolumeRecord ready = record.withState(VolumeState.READY);
                catalog.put(ready);
                if (ready.replicated()) {
                    attachments().reconcile(name); // the takeover runs on the replication loop; waited for below
                } else {
                    exports.putVolume(new VolumeExport(name, volume));
                }
                log.atInfo().addKeyValue("volume", name).addKeyValue("sizeBytes", sizeBytes).addKeyValue("repl", repl)
                        .log("volume created");
                if (!ready.replicated()) {
                    return info(ready);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof WharfException w && w.code() == ErrorCode.UNAVAILABLE) {
                    // The store did not answer: the READY record may or may not be written. Settling
                    // decides once the store answers again (serve the volume, or roll it back).
                    throw new WharfException(ErrorCode.UNAVAILABLE, "creating volume '" + name + "' is in doubt: "
                            + w.getMessage(), "the node completes or rolls the create back once the cluster store answers", e);
                }
                undoCreate(record);
                throw asWharf(e, "creating volume '" + name + "'");
            }
        }
        awaitServed(name, "created");
        return getVolume(name);
    }

    /** How long an API call that attached a replicated volume waits for the target to serve it. */
    private static final long SERVE_WAIT_SECONDS = 30;

    /** Waits (outside the control lock) until a replicated volume is served here; a failed attach is logged, retried later. */
    private void awaitServed(String name, String what) {
        Optional<java.util.concurrent.CompletableFuture<Void>> served = attachments().served(name);
        if (served.isEmpty()) {
            return;
        }
        try {
            served.get().get(SERVE_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new WharfException(ErrorCode.UNAVAILABLE, "volume '" + name + "' was " + what + " but is not served on node '"
                    + config.nodeId() + "' yet: " + cause.getMessage(),
                    "the node keeps trying; check its replicas' nodes with `wharf node list` and `wharf volume inspect " + name + "`");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorCode.UNAVAILABLE, "interrupted waiting for volume '" + name + "' to be served", "try again");
        }
    }

    private static int requireRepl(int repl) {
        if (repl < 1 || repl > 3) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "repl must be 1, 2 or 3, not " + repl,
                    "a volume keeps at most 3 synchronous copies");
        }
        return repl;
    }

    /** The node that takes a new volume: placement over every node, on sizes provisioned as the store says now. */
    private List<String> place(String name, long sizeBytes, VolumeCreate request, int copies) {
        Membership joined = membership;
        List<Membership.NodeView> nodes = joined == null ? List.of() : joined.nodes();
        if (copies == 1 && nodes.size() <= 1 && request.nodes().isEmpty() && request.zones().isEmpty()
                && request.nodeSelector().isEmpty() && !config.storageless()) {
            return List.of(config.nodeId()); // a single node (or still starting): its own checks give the precise refusal
        }
        Map<String, Long> provisioned = provisionedByNode();
        List<Placement.Candidate> candidates = new ArrayList<>();
        for (Membership.NodeView node : nodes) {
            NodeRecord r = node.record();
            candidates.add(new Placement.Candidate(r.id(), r.zone(), r.rack(), node.online(), r.maintenance(),
                    r.storageless(), Math.max(0, r.capacityBytes() - r.usedBytes()),
                    provisionable(r) - provisioned.getOrDefault(r.id(), 0L), r.labels()));
        }
        List<String> chosen = Placement.choose(new Placement.Request(name, sizeBytes, copies, request.nodes(), request.zones(),
                request.nodeSelector()), candidates);
        if (chosen.contains(config.nodeId())) { // this node takes the volume's record and first copy
            List<String> homeFirst = new ArrayList<>(List.of(config.nodeId()));
            chosen.stream().filter(n -> !n.equals(config.nodeId())).forEach(homeFirst::add);
            return homeFirst;
        }
        return chosen;
    }

    /** Bytes provisioned on each node, as the volume records say now: a replicated volume's size on each replica's node. */
    private Map<String, Long> provisionedByNode() {
        Map<String, Long> provisioned = new java.util.HashMap<>();
        for (VolumeRecord volume : catalog.list()) {
            if (volume.replicated()) {
                volume.replicas().forEach(replica -> provisioned.merge(replica.node(), volume.sizeBytes(), Long::sum));
            } else {
                provisioned.merge(volume.node(), volume.sizeBytes(), Long::sum);
            }
        }
        return provisioned;
    }

    /** The most a node may provision: its capacity times its overcommit ratio (at least 1). */
    private static long provisionable(NodeRecord node) {
        return (long) (node.capacityBytes() * Math.max(1.0, node.overcommitRatio()));
    }

    private void undoCreate(VolumeRecord record) {
        try {
            if (pool.volume(record.id()).isPresent()) {
                pool.delete(record.id());
            }
            catalog.delete(record.name());
        } catch (IOException | RuntimeException undoFailure) {
            log.atError().addKeyValue("volume", record.name()).setCause(undoFailure)
                    .log("could not undo a failed create; the next start finishes it");
        }
    }

    @Override
    public List<VolumeInfo> listVolumes(String node) {
        if (node != null && !node.equals(config.nodeId())) {
            return peers().owner(Names.requireValid("node", node), "node '" + node + "'").orElseThrow().listVolumes(node);
        }
        List<VolumeInfo> volumes = new ArrayList<>();
        Map<String, List<VolumeRecord>> remote = new java.util.TreeMap<>();
        Map<String, Integer> snapshotCounts = new java.util.HashMap<>(); // one range, not one per volume
        catalog.allSnapshots().forEach(r -> snapshotCounts.merge(r.volume(), 1, Integer::sum));
        for (VolumeRecord record : catalog.list()) {
            if (record.state() != VolumeState.READY) {
                continue;
            }
            if (isLocal(record)) {
                volumes.add(info(record, snapshotCounts.getOrDefault(record.name(), 0)));
            } else if (node == null) {
                remote.computeIfAbsent(record.node(), n -> new ArrayList<>()).add(record);
            }
        }
        remote.forEach((owner, records) -> volumes.addAll(remoteVolumes(owner, records)));
        volumes.sort(java.util.Comparator.comparing(VolumeInfo::name));
        return volumes;
    }

    /** The volumes of another node as it reports them; from their records alone while it is offline. */
    private List<VolumeInfo> remoteVolumes(String owner, List<VolumeRecord> records) {
        try {
            return peers().owner(owner, "node '" + owner + "'").orElseThrow().listVolumes(owner);
        } catch (WharfException e) {
            if (e.code() != ErrorCode.UNAVAILABLE && e.code() != ErrorCode.NODE_NOT_FOUND) {
                throw e;
            }
            return records.stream().map(r -> new VolumeInfo(r.name(), r.id(), r.sizeBytes(), r.labels(), "unavailable", 0,
                    null, 0, r.node(), r.createdAt().toString(), catalog.snapshots(r.name()).size(), r.source(),
                    r.snapshotSchedule(), r.schedulePolicy())).toList();
        }
    }

    /** Whether this node holds the volume's data (else requests about it go to the node that does). */
    boolean isLocal(VolumeRecord record) {
        return config.nodeId().equals(record.node());
    }

    /** The API of the node holding the volume's data, or empty when it is this node. */
    private Optional<WharfApi> owner(VolumeRecord record) {
        return isLocal(record) ? Optional.empty() : peers().owner(record.node(), "volume '" + record.name() + "'");
    }

    private volatile Peers peers;

    /** The backup API of the node holding a volume's data ({@code nodeId}, not this node). */
    io.wharf.api.BackupApi peerBackups(String nodeId, String what) {
        return peers().backups(nodeId, what).orElseThrow(() -> new IllegalStateException(what + " is on this node"));
    }

    private Peers peers() {
        Peers known = peers;
        if (known == null) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "the node is still starting", "try again in a moment");
        }
        return known;
    }

    @Override
    public VolumeInfo getVolume(String name) {
        VolumeRecord record = requireReady(name);
        if (record.replicated()) {
            return replicatedVolume(record);
        }
        Optional<WharfApi> owner = owner(record);
        if (owner.isPresent()) {
            return owner.get().getVolume(name);
        }
        VolumeInfo info = info(record);
        try {
            VolumeSpace space = pool.space(record.id());
            Map<String, String> names = new java.util.HashMap<>();
            catalog.snapshots(name).forEach(s -> names.put(s.storageId(), s.name()));
            // A snapshot whose record is not written yet (being taken right now) has no name to show.
            return info.withSpace(new VolumeSpaceInfo(space.headBytes(), space.snapshotExclusiveBytes(), space.sharedBytes(),
                    space.snapshots().stream().map(s -> new VolumeSpaceInfo.SnapshotSpace(
                            names.getOrDefault(s.id(), "(being taken)"), s.exclusiveBytes())).toList()));
        } catch (IOException | RuntimeException e) {
            throw asWharf(e, "reading the space of volume '" + name + "'");
        }
    }

    @Override
    public VolumeInfo resizeVolume(String name, long sizeBytes) {
        VolumeRecord found = requireReady(name);
        if (found.replicated()) {
            return resizeReplicated(found, sizeBytes);
        }
        Optional<WharfApi> owner = owner(found);
        if (owner.isPresent()) {
            return owner.get().resizeVolume(name, sizeBytes);
        }
        synchronized (controlLock) {
            VolumeRecord record = requireReady(name);
            long newSize = requireGrowth(record, sizeBytes);
            if (newSize == record.sizeBytes()) {
                return info(record);
            }
            requireCapacityFor(newSize - record.sizeBytes(), name);
            VolumeRecord resized = record.withSize(newSize);
            catalog.replace(record, resized); // not over a concurrent attach
            try {
                pool.volume(record.id()).orElseThrow().resize(newSize); // served here or over the transport
            } catch (IOException | RuntimeException e) {
                throw asWharf(e, "resizing volume '" + name + "'");
            }
            log.atInfo().addKeyValue("volume", name).addKeyValue("sizeBytes", newSize).log("volume resized");
            return info(resized);
        }
    }

    /** The size a resize of {@code record} to {@code sizeBytes} gives (rounded up to a block); refuses a shrink. */
    private static long requireGrowth(VolumeRecord record, long sizeBytes) {
        long newSize = roundUpToBlock(requireSize(sizeBytes));
        if (newSize < record.sizeBytes()) {
            throw new WharfException(ErrorCode.SHRINK_NOT_SUPPORTED,
                    "volume '" + record.name() + "' is " + ByteSize.format(record.sizeBytes()) + "; shrinking it to "
                            + ByteSize.format(newSize) + " could destroy data",
                    "volumes only grow; to use less space, copy the data to a new, smaller volume");
        }
        return newSize;
    }

    /**
     * Grows a replicated volume through its target (the node it is attached to, else its home node):
     * the target holds writes for a moment, records the size, grows every replica in sync and resumes;
     * connected clients see the new size on their next request through a growable export, others when
     * they reconnect. A replica away meanwhile grows when it is resynced. Each replica's node must
     * have room to provision the growth.
     */
    private VolumeInfo resizeReplicated(VolumeRecord record, long sizeBytes) {
        String name = record.name();
        long newSize = requireGrowth(record, sizeBytes);
        if (newSize == record.sizeBytes()) {
            return getVolume(name);
        }
        String target = record.target();
        if (!target.equals(config.nodeId())) {
            return peers().owner(target, "node '" + target + "'").orElseThrow().resizeVolume(name, sizeBytes);
        }
        Map<String, Long> provisioned = provisionedByNode();
        Map<String, NodeRecord> nodes = new java.util.HashMap<>();
        Membership joined = membership;
        if (joined != null) {
            joined.nodes().forEach(node -> nodes.put(node.record().id(), node.record()));
        }
        long more = newSize - record.sizeBytes();
        for (VolumeReplica replica : record.replicas()) {
            NodeRecord node = nodes.get(replica.node());
            long room = node == null ? Long.MAX_VALUE : provisionable(node) - provisioned.getOrDefault(node.id(), 0L);
            if (more > room) {
                throw new WharfException(ErrorCode.CAPACITY_EXCEEDED, "volume '" + name + "' needs " + ByteSize.format(more)
                        + " more on node '" + replica.node() + "', which holds one of its replicas and has "
                        + ByteSize.format(Math.max(0, room)) + " left to provision",
                        "use a smaller size, free space on that node, or move the replica: wharf volume update " + name + " --repl");
            }
        }
        attachments().reconcile(name);
        awaitServed(name, "resized");
        TargetVolume volume = servedTarget(name);
        awaitTarget(volume.grow(newSize), "resizing volume '" + name + "'", name);
        log.atInfo().addKeyValue("volume", name).addKeyValue("sizeBytes", newSize).addKeyValue("replicas", record.replicas().size())
                .log("replicated volume resized");
        return getVolume(name);
    }

    /** Waits for an operation of the target served here ({@code what}: "resizing volume 'x'"), with its failures as the API's. */
    private static <T> T awaitTarget(java.util.concurrent.CompletableFuture<T> operation, String what, String volume) {
        try {
            return operation.get(SERVE_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw asWharf(e.getCause() instanceof Exception cause ? cause : e, what);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new WharfException(ErrorCode.UNAVAILABLE, what + " did not finish in time",
                    "check wharf volume inspect " + volume + " and try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorCode.UNAVAILABLE, "interrupted " + what, "check wharf volume inspect " + volume);
        }
    }

    /** The target serving replicated volume {@code name} on this node. */
    private TargetVolume servedTarget(String name) {
        return exports.volume(name).map(VolumeExport::volume).filter(TargetVolume.class::isInstance)
                .map(TargetVolume.class::cast).orElseThrow(() -> new WharfException(ErrorCode.UNAVAILABLE,
                        "volume '" + name + "' is not served on node '" + config.nodeId() + "' yet", "try again in a moment"));
    }

    @Override
    public void deleteVolume(String name, boolean force) {
        Optional<WharfApi> owner = owner(requireReady(name));
        if (owner.isPresent()) {
            owner.get().deleteVolume(name, force);
            return;
        }
        synchronized (controlLock) {
            VolumeRecord record = requireReady(name);
            requireNotAttachedElsewhere(record);
            int clients = nbd.connectionCount(name);
            if (clients > 0 && !force) {
                throw new WharfException(ErrorCode.VOLUME_IN_USE,
                        "volume '" + name + "' is in use by " + clients + " NBD client" + (clients == 1 ? "" : "s"),
                        "disconnect the clients (e.g. `wharf volume unmount PATH`), or add --force to disconnect them and delete");
            }
            catalog.replace(record, record.withState(VolumeState.DELETING));
            if (record.replicated()) {
                attachments().release(name); // detaches the target; the other nodes delete their copies when they see the record gone
            }
            exports.removeVolume(name);
            nbd.disconnectAll(name);
            snapshots.disconnectAll(name);
            try {
                ReplicaHost host = replicaHost;
                if (host != null) {
                    host.forget(record.id());
                }
                pool.delete(record.id());
                snapshots.forgetAll(name);
                catalog.delete(name);
            } catch (IOException | RuntimeException e) {
                throw asWharf(e, "deleting volume '" + name + "'");
            }
            log.atInfo().addKeyValue("volume", name).addKeyValue("force", force).log("volume deleted");
        }
    }

    @Override
    public SnapshotInfo createSnapshot(String volume, String name) {
        VolumeRecord record = requireReady(volume);
        if (record.replicated()) { // taken through the target, on every replica in sync
            String target = record.target();
            return target.equals(config.nodeId()) ? snapshots.create(record, name)
                    : peers().owner(target, "node '" + target + "'").orElseThrow().createSnapshot(volume, name);
        }
        Optional<WharfApi> owner = owner(record);
        return owner.isPresent() ? owner.get().createSnapshot(volume, name) : snapshots.create(record, name);
    }

    @Override
    public List<SnapshotInfo> createGroupSnapshot(String group, List<String> volumes) {
        new io.wharf.api.SnapshotGroupCreate(group, volumes).requireValid();
        List<String> nodes = volumes.stream().map(this::requireReady).map(VolumeRecord::node).distinct().sorted().toList();
        if (nodes.size() > 1) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "group '" + group + "' spans nodes " + nodes
                    + "; a group snapshot holds I/O on one node", "group volumes whose data is on one node");
        }
        volumes.stream().map(this::requireReady).forEach(VolumeService::requireNotAttachedElsewhere); // the hold is where I/O arrives
        Optional<WharfApi> owner = owner(requireReady(volumes.getFirst()));
        if (owner.isPresent()) {
            return owner.get().createGroupSnapshot(group, volumes);
        }
        synchronized (controlLock) {
            List<VolumeRecord> records = volumes.stream().map(this::requireReady).toList();
            return snapshots.createGroup(records, group);
        }
    }

    @Override
    public List<SnapshotInfo> listSnapshots(String volume) {
        if (volume != null) {
            Optional<WharfApi> owner = owner(requireReady(volume));
            return owner.isPresent() ? owner.get().listSnapshots(volume) : snapshots.list(volume);
        }
        List<SnapshotInfo> all = new ArrayList<>(snapshots.list(null));
        for (VolumeRecord record : catalog.list()) {
            if (record.state() == VolumeState.READY && !isLocal(record) && !catalog.snapshots(record.name()).isEmpty()) {
                try {
                    all.addAll(owner(record).orElseThrow().listSnapshots(record.name()));
                } catch (WharfException e) {
                    if (e.code() != ErrorCode.UNAVAILABLE) {
                        throw e;
                    }
                    log.atDebug().addKeyValue("volume", record.name()).log("snapshots of an offline node's volume left out");
                }
            }
        }
        return all;
    }

    @Override
    public SnapshotInfo getSnapshot(String volume, String snapshot) {
        VolumeRecord record = requireReady(volume);
        Optional<WharfApi> owner = owner(record);
        return owner.isPresent() ? owner.get().getSnapshot(volume, snapshot) : snapshots.get(record, snapshot);
    }

    @Override
    public void deleteSnapshot(String volume, String snapshot) {
        VolumeRecord record = requireReady(volume);
        Optional<WharfApi> owner = owner(record);
        if (owner.isPresent()) {
            owner.get().deleteSnapshot(volume, snapshot);
            return;
        }
        snapshots.delete(record, snapshot);
    }

    @Override
    public VolumeInfo cloneVolume(String source, String snapshot, String name, Map<String, String> labels) {
        String newName = Names.requireValid("volume", name);
        Map<String, String> newLabels = labels == null ? Map.of() : labels;
        newLabels.forEach(Names::requireValidLabel);
        Optional<WharfApi> owner = owner(requireReady(source));
        if (owner.isPresent()) {
            return owner.get().cloneVolume(source, snapshot, name, labels);
        }
        synchronized (controlLock) {
            VolumeRecord sourceRecord = requireReady(source);
            if (snapshot == null) {
                requireLocalCopyInSync(sourceRecord, "clone");
            }
            if (catalog.get(newName).isPresent()) {
                throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + newName + "' already exists",
                        "choose another name for the clone");
            }
            VolumeRecord clone = snapshots.cloneVolume(sourceRecord, snapshot, newName, newLabels, this::requireCapacityFor);
            return info(clone);
        }
    }

    @Override
    public VolumeInfo revertVolume(String volume, String snapshot, boolean force) {
        VolumeRecord found = requireReady(volume);
        if (found.replicated()) { // through the target, on every replica
            String target = found.target();
            if (!target.equals(config.nodeId())) {
                return peers().owner(target, "node '" + target + "'").orElseThrow().revertVolume(volume, snapshot, force);
            }
            TargetVolume served = servedTarget(volume);
            snapshots.revertReplicated(found, snapshot, force, (storageId, holders) ->
                    awaitTarget(served.revert(storageId, holders), "reverting volume '" + volume + "'", volume));
            return getVolume(volume);
        }
        Optional<WharfApi> owner = owner(found);
        if (owner.isPresent()) {
            return owner.get().revertVolume(volume, snapshot, force);
        }
        synchronized (controlLock) {
            VolumeRecord record = requireReady(volume);
            requireNotAttachedElsewhere(record);
            snapshots.revert(record, snapshot, force);
            return info(record);
        }
    }

    @Override
    public VolumeInfo attachVolume(String name, String node, boolean force) {
        String target = node == null ? config.nodeId() : Names.requireValid("node", node);
        VolumeRecord record = requireReady(name);
        if (!target.equals(config.nodeId())) {
            return peers().owner(target, "node '" + target + "'").orElseThrow().attachVolume(name, target, force);
        }
        synchronized (controlLock) {
            record = requireReady(name);
            if (record.attachedTo() != null && !record.attachedTo().equals(target)) {
                boolean oldOnline = requireMembership().node(record.attachedTo()).online();
                if (!record.replicated() || oldOnline || !force) {
                    throw record.replicated() && !oldOnline ? new WharfException(ErrorCode.VOLUME_ATTACHED, "volume '" + name
                            + "' is attached to node '" + record.attachedTo() + "', which is offline",
                            "take it over with --force: its epoch is raised, so the old node can never write to it again")
                            : attachedElsewhere(record);
                }
                catalog.replace(record, record.withAttachedTo(target));
                log.atWarn().addKeyValue("volume", name).addKeyValue("node", target).addKeyValue("from", record.attachedTo())
                        .log("volume taken over from an offline node");
                record = requireReady(name);
            }
            if (record.attachedTo() == null) {
                if (!target.equals(record.node())) {
                    requireMembership().node(record.node()); // the data's node must be known to reach it
                }
                catalog.replace(record, record.withAttachedTo(target));
                log.atInfo().addKeyValue("volume", name).addKeyValue("node", target).log("volume attached");
            }
            attachments().reconcile(name);
            if (!record.replicated() && exports.volume(name).isEmpty()) {
                throw new WharfException(ErrorCode.UNAVAILABLE, "volume '" + name + "' is attached to node '" + target
                        + "' but cannot be served there yet (its data's node '" + record.node() + "' is not reachable)",
                        "check `wharf node list`; the node serves the volume as soon as it can reach the data");
            }
        }
        if (record.replicated()) {
            awaitServed(name, "attached");
        }
        return getVolume(name);
    }

    @Override
    public VolumeInfo detachVolume(String name) {
        VolumeRecord record = requireReady(name);
        if (record.attachedTo() == null) {
            return getVolume(name);
        }
        if (!record.attachedTo().equals(config.nodeId()) && requireMembership().node(record.attachedTo()).online()) {
            return peers().owner(record.attachedTo(), "node '" + record.attachedTo() + "'").orElseThrow().detachVolume(name);
        }
        synchronized (controlLock) {
            record = requireReady(name);
            if (record.attachedTo() != null) {
                catalog.replace(record, record.withAttachedTo(null));
                log.atInfo().addKeyValue("volume", name).addKeyValue("node", record.attachedTo()).log("volume detached");
            }
            attachments().reconcile(name);
        }
        return getVolume(name);
    }

    /**
     * A clone of a replicated volume's current data is taken from the copy on its node, which must be
     * in sync: it then holds every write acknowledged so far, so the result is crash-consistent.
     */
    private void requireLocalCopyInSync(VolumeRecord record, String what) {
        if (record.replicated() && record.replicas().stream()
                .noneMatch(r -> r.node().equals(config.nodeId()) && r.state() == VolumeReplica.State.IN_SYNC)) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "the copy of volume '" + record.name() + "' on node '"
                    + config.nodeId() + "' is not in sync, so a " + what + " taken from it could miss writes",
                    "wait until `wharf volume inspect " + record.name() + "` shows it in-sync, then try again");
        }
    }

    static WharfException attachedElsewhere(VolumeRecord record) {
        return new WharfException(ErrorCode.VOLUME_ATTACHED, "volume '" + record.name() + "' is attached to node '"
                + record.attachedTo() + "'", "detach it first: wharf volume detach " + record.name());
    }

    /** Refuses an operation that would change data under clients of another node. */
    private static void requireNotAttachedElsewhere(VolumeRecord record) {
        if (record.attachedTo() != null && !record.attachedTo().equals(record.node())) {
            throw attachedElsewhere(record);
        }
    }

    private volatile Attachments attachments;

    Attachments newAttachments(String cluster) {
        return new Attachments(config, cluster, catalog, pool, exports, nbd, requireMembership(), controlLock, replication);
    }

    private volatile Replication replication;
    private volatile ReplicaHost replicaHost;

    /** This node's replication: the target role and the replica side (both null on a node without a replication port). */
    void replication(Replication target, ReplicaHost host) {
        this.replication = target;
        this.replicaHost = host;
    }

    void attachments(Attachments started) {
        this.attachments = started;
    }

    private Attachments attachments() {
        Attachments started = attachments;
        if (started == null) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "the node is still starting", "try again in a moment");
        }
        return started;
    }

    @Override
    public VolumeInfo updateVolume(String name, VolumeUpdate update) {
        if (update.repl() != null) {
            changeReplicas(name, requireRepl(update.repl()));
            if (update.snapshotSchedule() == null && update.schedulePolicy() == null) {
                return getVolume(name);
            }
        }
        Optional<WharfApi> owner = owner(requireReady(name)); // the owner writes the record: no lost update
        if (owner.isPresent()) {
            return owner.get().updateVolume(name, update);
        }
        synchronized (controlLock) {
            VolumeRecord record = requireReady(name);
            String schedule = update.snapshotSchedule() == null ? record.snapshotSchedule() : blankToNull(update.snapshotSchedule());
            String policy = update.schedulePolicy() == null ? record.schedulePolicy() : blankToNull(update.schedulePolicy());
            requireScheduleChoice(name, schedule, policy);
            VolumeRecord updated = record.withSchedule(schedule, policy, clock.now());
            catalog.replace(record, updated);
            log.atInfo().addKeyValue("volume", name).addKeyValue("schedule", schedule).addKeyValue("policy", policy)
                    .log("volume schedule set");
            return info(updated);
        }
    }

    /**
     * Brings the volume to {@code repl} replicas. An unreplicated volume becomes replicated first (its
     * copy the one replica in sync, served through a target from then on). Replicas are added and
     * removed by the volume's target: a new one is placed on a node that holds no copy yet and rebuilt
     * online; removal takes copies not in sync first and never the copy on the volume's node.
     */
    private void changeReplicas(String name, int repl) {
        VolumeRecord record = requireReady(name);
        if (!record.replicated()) {
            if (repl == 1) {
                return;
            }
            Optional<WharfApi> owner = owner(record);
            if (owner.isPresent()) {
                owner.get().updateVolume(name, new VolumeUpdate(null, null, repl));
                return;
            }
            if (replication == null) {
                throw new WharfException(ErrorCode.NOT_SUPPORTED, "node '" + config.nodeId() + "' runs without a replication port",
                        "replicated volumes need nodes started with `wharf node start` and a --repl-port");
            }
            synchronized (controlLock) {
                record = requireReady(name);
                requireNotAttachedElsewhere(record);
                catalog.replace(record, record.withReplication(0, null,
                        List.of(new VolumeReplica(record.node(), VolumeReplica.State.IN_SYNC))));
                snapshots.nameHolder(record); // its snapshots are on this copy, wherever the volume's role goes later
                log.atInfo().addKeyValue("volume", name).log("volume is replicated from now on");
            }
            record = requireReady(name);
        }
        String target = record.target();
        if (!target.equals(config.nodeId())) {
            peers().owner(target, "node '" + target + "'").orElseThrow().updateVolume(name, new VolumeUpdate(null, null, repl));
            return;
        }
        attachments().reconcile(name);
        awaitServed(name, "updated");
        TargetVolume volume = servedTarget(name);
        VolumeRecord current = record;
        List<VolumeReplica> replicas = current.replicas();
        if (repl > replicas.size()) {
            for (String node : placeReplicas(current, repl - replicas.size())) {
                changeReplica(volume, name, node, true);
                log.atInfo().addKeyValue("volume", name).addKeyValue("node", node).log("replica added; rebuilding");
            }
        } else if (repl < replicas.size()) {
            // out of sync first, then the copies holding the fewest snapshots (a rebuilt copy holds none taken before)
            List<io.wharf.metadata.model.SnapshotRecord> taken = catalog.snapshots(name);
            List<VolumeReplica> removable = new ArrayList<>(replicas.stream().filter(r -> !r.node().equals(current.node())).toList());
            removable.sort(java.util.Comparator.comparing((VolumeReplica r) -> r.state() == VolumeReplica.State.IN_SYNC)
                    .thenComparingLong(r -> snapshotsHeld(taken, r, current)));
            for (VolumeReplica gone : removable.subList(0, replicas.size() - repl)) {
                changeReplica(volume, name, gone.node(), false);
                snapshots.dropHolder(current, gone.node());
                log.atInfo().addKeyValue("volume", name).addKeyValue("node", gone.node()).log("replica removed");
            }
        }
    }

    /** How many of a volume's snapshots {@code taken} the copy of {@code replica} holds. */
    private static long snapshotsHeld(List<io.wharf.metadata.model.SnapshotRecord> taken, VolumeReplica replica, VolumeRecord volume) {
        return taken.stream().filter(s -> s.heldBy(replica.node(), volume.node())).count();
    }

    /** Adds ({@code add}) or removes the replica on {@code node} through the volume's target here, waiting for the record. */
    private static void changeReplica(TargetVolume volume, String name, String node, boolean add) {
        awaitTarget(volume.changeReplica(node, add), "changing the replicas of volume '" + name + "'", name);
    }

    /** Nodes for {@code copies} more replicas of {@code record}: placement over the nodes that hold no copy of it. */
    private List<String> placeReplicas(VolumeRecord record, int copies) {
        VolumeCreate request = new VolumeCreate(record.name(), record.sizeBytes(), Map.of(), null, null, freeNodes(record), List.of(),
                Map.of(), copies);
        return place(record.name(), record.sizeBytes(), request, copies);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    /** A valid schedule, an existing policy, or neither; never both. */
    private void requireScheduleChoice(String volume, String schedule, String policy) {
        if (schedule != null && policy != null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "volume '" + volume + "' would have both a snapshot schedule and a schedule policy",
                    "give one: clear the other with --snapshot-schedule \"\" or --schedule-policy \"\"");
        }
        if (schedule != null) {
            Schedule.parse(schedule);
        }
        if (policy != null) {
            requirePolicy(policy);
        }
    }

    @Override
    public PolicyInfo createPolicy(String name, String schedule) {
        Names.requireValid("policy", name);
        Schedule.parse(schedule);
        synchronized (controlLock) {
            if (catalog.policy(name).isPresent()) {
                throw new WharfException(ErrorCode.POLICY_EXISTS, "policy '" + name + "' already exists",
                        "choose another name, or delete the existing policy first");
            }
            PolicyRecord record = PolicyRecord.of(name, schedule.trim(), clock.now());
            catalog.put(record);
            return policyInfo(record);
        }
    }

    @Override
    public List<PolicyInfo> listPolicies() {
        return catalog.policies().stream().map(this::policyInfo).toList();
    }

    @Override
    public PolicyInfo getPolicy(String name) {
        return policyInfo(requirePolicy(name));
    }

    @Override
    public void deletePolicy(String name) {
        synchronized (controlLock) {
            requirePolicy(name);
            List<String> users = catalog.list().stream().filter(v -> name.equals(v.schedulePolicy())).map(VolumeRecord::name).toList();
            if (!users.isEmpty()) {
                throw new WharfException(ErrorCode.POLICY_IN_USE, "policy '" + name + "' is used by volume(s) " + String.join(", ", users),
                        "move those volumes to another policy first (wharf volume update NAME --schedule-policy \"\")");
            }
            catalog.deletePolicy(name);
        }
    }

    private PolicyRecord requirePolicy(String name) {
        if (name == null || name.isEmpty()) {
            throw new WharfException(ErrorCode.POLICY_NOT_FOUND, "no policy named", "list policies with `wharf policy list`");
        }
        Names.requireValid("policy", name);
        return catalog.policy(name).orElseThrow(() -> new WharfException(ErrorCode.POLICY_NOT_FOUND,
                "policy '" + name + "' does not exist", "list policies with `wharf policy list`"));
    }

    private PolicyInfo policyInfo(PolicyRecord record) {
        int volumes = (int) catalog.list().stream().filter(v -> record.name().equals(v.schedulePolicy())).count();
        return new PolicyInfo(record.name(), record.schedule(), volumes, record.createdAt().toString());
    }

    /** The schedule a volume follows now (its own, or its policy's), if any. */
    Optional<Schedule> scheduleOf(VolumeRecord record) {
        if (record.snapshotSchedule() != null) {
            return Optional.of(Schedule.parse(record.snapshotSchedule()));
        }
        if (record.schedulePolicy() != null) {
            return catalog.policy(record.schedulePolicy()).map(p -> Schedule.parse(p.schedule()));
        }
        return Optional.empty();
    }

    SnapshotService snapshots() {
        return snapshots;
    }

    /** The ready volumes whose data this node holds (each node runs the schedules of its own volumes). */
    List<VolumeRecord> readyVolumes() {
        return catalog.list().stream().filter(r -> r.state() == VolumeState.READY && isLocal(r)).toList();
    }

    /** The ready volumes whose snapshots this node takes: its own, and the replicated ones it is the target of. */
    List<VolumeRecord> snapshotVolumes() {
        return catalog.list().stream().filter(r -> r.state() == VolumeState.READY
                && (r.replicated() ? config.nodeId().equals(r.target()) : isLocal(r))).toList();
    }

    /**
     * Takes snapshot {@code storageId} of replicated volume {@code record} on every replica in sync
     * through the target served here; the nodes that took it.
     */
    List<String> snapshotReplicas(VolumeRecord record, String storageId) {
        return awaitTarget(servedTarget(record.name()).snapshot(storageId), "taking a snapshot of volume '" + record.name() + "'",
                record.name());
    }

    /**
     * Every pool of the cluster: this node's as it is now, the others' as their records last
     * reported them (every few seconds), with their volume counts from the catalog. Storage-less
     * nodes have none.
     */
    @Override
    public List<PoolInfo> listPools() {
        Membership joined = membership;
        if (joined == null) {
            return List.of(poolInfo());
        }
        Map<String, Integer> volumes = new HashMap<>();
        for (VolumeRecord record : catalog.list()) {
            if (record.state() == VolumeState.READY && record.node() != null) {
                volumes.merge(record.node(), 1, Integer::sum);
            }
        }
        List<PoolInfo> pools = new ArrayList<>();
        for (Membership.NodeView view : joined.nodes()) {
            NodeRecord r = view.record();
            if (r.id().equals(config.nodeId())) {
                if (!config.storageless()) {
                    pools.add(poolInfo());
                }
            } else if (!r.storageless()) {
                pools.add(new PoolInfo(r.id(), r.poolPath() == null ? "" : r.poolPath(), r.capacityBytes(), r.usedBytes(),
                        r.provisionedBytes(), r.overcommitRatio(), volumes.getOrDefault(r.id(), 0)));
            }
        }
        return pools;
    }

    PoolUsage poolUsage() {
        try {
            return pool.usage();
        } catch (IOException e) {
            throw asWharf(e, "reading the pool's usage");
        }
    }

    private PoolInfo poolInfo() {
        PoolUsage usage = poolUsage();
        return new PoolInfo(config.nodeId(), config.poolDir().toString(), usage.capacityBytes(), usage.usedBytes(),
                usage.provisionedBytes(), config.overcommitRatio(), pool.volumeIds().size());
    }

    @Override
    public ClusterInfo clusterStatus() {
        List<NodeInfo> nodes = listNodes();
        long capacity = 0;
        long used = 0;
        long provisioned = 0;
        for (NodeInfo node : nodes) {
            capacity += node.capacityBytes();
            used += node.usedBytes();
            provisioned += node.provisionedBytes();
        }
        int volumes = (int) catalog.list().stream().filter(v -> v.state() == VolumeState.READY).count();
        return new ClusterInfo(clusterId, WharfVersion.version(), nodes, capacity, used, provisioned, volumes);
    }

    private volatile Membership membership;

    /** The node joined the cluster: node requests can be answered from now on. */
    void membership(Membership joined) {
        this.peers = new Peers(joined);
        this.membership = joined;
    }

    private Membership requireMembership() {
        Membership joined = membership;
        if (joined == null) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "the node is still starting", "try again in a moment");
        }
        return joined;
    }

    @Override
    public List<NodeInfo> listNodes() {
        return requireMembership().nodes().stream().map(VolumeService::nodeInfo).toList();
    }

    @Override
    public NodeInfo getNode(String id) {
        return nodeInfo(requireMembership().node(Names.requireValid("node", id)));
    }

    @Override
    public NodeInfo setNodeMaintenance(String id, boolean maintenance) {
        Membership joined = requireMembership();
        joined.setMaintenance(Names.requireValid("node", id), maintenance);
        log.atInfo().addKeyValue("node", id).addKeyValue("maintenance", maintenance).log("node maintenance flag set");
        return nodeInfo(joined.node(id));
    }

    @Override
    public void decommissionNode(String id) {
        Membership joined = requireMembership();
        Membership.NodeView node = joined.node(Names.requireValid("node", id));
        if (node.online()) {
            throw new WharfException(ErrorCode.NODE_IN_USE, "node '" + id + "' is online",
                    "stop the node (it shows offline in `wharf node list`), then decommission it");
        }
        List<String> volumes = catalog.list().stream().filter(v -> id.equals(v.node())).map(VolumeRecord::name).sorted().toList();
        if (!volumes.isEmpty()) {
            throw new WharfException(ErrorCode.NODE_IN_USE, "node '" + id + "' holds the only copy of " + volumes.size()
                    + " volume" + (volumes.size() == 1 ? "" : "s") + ": " + String.join(", ", volumes),
                    "start the node again and delete or copy those volumes first");
        }
        joined.remove(id);
        log.atInfo().addKeyValue("node", id).log("node decommissioned");
    }

    private static NodeInfo nodeInfo(Membership.NodeView view) {
        NodeRecord r = view.record();
        return new NodeInfo(r.id(), view.state(), r.apiAddress(), r.nbdAddress(), r.zone(), r.rack(), r.maintenance(),
                r.version(), r.capacityBytes(), r.usedBytes(), r.provisionedBytes(), r.startedAt().toString(),
                r.reportedAt().toString(), r.labels());
    }

    @Override
    public VersionInfo version() {
        return new VersionInfo(WharfVersion.version(), "v1");
    }

    VolumeRecord requireReady(String name) {
        Optional<VolumeRecord> record = name == null ? Optional.empty() : catalog.get(name);
        if (record.isEmpty() || record.get().state() != VolumeState.READY) {
            throw new WharfException(ErrorCode.VOLUME_NOT_FOUND, "volume '" + name + "' does not exist",
                    "list volumes with `wharf volume list`");
        }
        return record.get();
    }

    VolumeInfo info(VolumeRecord record) {
        return info(record, catalog.snapshots(record.name()).size());
    }

    /**
     * A replicated volume as its target reports it (with copy progress), asked of the target while it
     * is online; else from the record, with this node's copy's space when it holds one.
     */
    private VolumeInfo replicatedVolume(VolumeRecord record) {
        String target = record.target();
        if (!target.equals(config.nodeId()) && requireMembership().node(target).online()) {
            try {
                return peers().owner(target, "node '" + target + "'").orElseThrow().getVolume(record.name());
            } catch (WharfException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
            }
        }
        VolumeInfo info = info(record);
        if (pool.volume(record.id()).isEmpty()) {
            return info;
        }
        try {
            VolumeSpace space = pool.space(record.id());
            return info.withSpace(new VolumeSpaceInfo(space.headBytes(), space.snapshotExclusiveBytes(), space.sharedBytes(),
                    List.of()));
        } catch (IOException | RuntimeException e) {
            return info;
        }
    }

    /** A replicated volume's replicas as its record says, with copy progress when this node is its target. */
    private ReplicationInfo replicationInfo(VolumeRecord record) {
        if (!record.replicated()) {
            return null;
        }
        Map<String, VolumeStatus.Replica> live = new HashMap<>();
        Optional<VolumeExport> export = exports.volume(record.name());
        if (export.isPresent() && export.get().volume() instanceof TargetVolume target) {
            try {
                target.status().get(2, java.util.concurrent.TimeUnit.SECONDS).replicas()
                        .forEach(replica -> live.put(replica.nodeId(), replica));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.atDebug().addKeyValue("volume", record.name()).log("no live replication status");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<ReplicationInfo.Replica> replicas = new ArrayList<>();
        for (VolumeReplica replica : record.replicas()) {
            VolumeStatus.Replica now = live.get(replica.node());
            boolean copying = replica.state() == VolumeReplica.State.RESYNCING || replica.state() == VolumeReplica.State.REBUILDING;
            replicas.add(new ReplicationInfo.Replica(replica.node(), stateText(replica.state()),
                    copying && now != null ? now.regionsCopied() : 0, copying && now != null ? now.regionsToCopy() : 0));
        }
        return new ReplicationInfo(record.replicas().size(), record.epoch(), record.epochTarget(), replicas);
    }

    private static String stateText(VolumeReplica.State state) {
        return state.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    @Override
    public VolumeChecksum checksumVolume(String name, String replica) {
        VolumeRecord record = requireReady(name);
        if (replica != null) {
            String node = Names.requireValid("node", replica);
            if (!record.holdsData(node)) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "node '" + node + "' holds no copy of volume '" + name + "'",
                        "see the replicas: wharf volume inspect " + name);
            }
            if (!node.equals(config.nodeId())) {
                return peers().owner(node, "the copy of volume '" + name + "'").orElseThrow().checksumVolume(name, node);
            }
            String state = record.replicas().stream().filter(r -> r.node().equals(node)).findFirst()
                    .map(r -> stateText(r.state())).orElse("in-sync");
            return new VolumeChecksum(name, true, List.of(new VolumeChecksum.Replica(node, state, localDigest(record), null)));
        }
        List<VolumeReplica> copies = record.replicated() ? record.replicas()
                : List.of(new VolumeReplica(record.node(), VolumeReplica.State.IN_SYNC));
        List<VolumeChecksum.Replica> answers = new ArrayList<>();
        java.util.Set<String> inSyncDigests = new java.util.HashSet<>();
        boolean complete = true;
        for (VolumeReplica copy : copies) {
            String state = stateText(copy.state());
            try {
                VolumeChecksum.Replica answer = checksumVolume(name, copy.node()).replicas().getFirst();
                answers.add(new VolumeChecksum.Replica(copy.node(), state, answer.digest(), null));
                if (copy.state() == VolumeReplica.State.IN_SYNC) {
                    inSyncDigests.add(answer.digest());
                }
            } catch (WharfException e) {
                answers.add(new VolumeChecksum.Replica(copy.node(), state, null, e.code() + ": " + e.getMessage()));
                complete &= copy.state() != VolumeReplica.State.IN_SYNC;
            }
        }
        return new VolumeChecksum(name, complete && inSyncDigests.size() == 1, answers);
    }

    /** SHA-256 of this node's copy of the volume, read from the pool (holes read as zeros). */
    private String localDigest(VolumeRecord record) {
        Volume volume = pool.volume(record.id()).orElseThrow(() -> new WharfException(ErrorCode.VOLUME_NOT_FOUND,
                "node '" + config.nodeId() + "' holds no copy of volume '" + record.name() + "'", "see its replicas: wharf volume inspect "
                        + record.name()));
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocateDirect(1 << 20);
            long size = record.sizeBytes();
            for (long offset = 0; offset < size; offset += chunk.capacity()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), size - offset));
                volume.read(offset, chunk);
                digest.update(chunk.flip());
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw asWharf(e, "reading volume '" + record.name() + "' for its checksum");
        }
    }

    private VolumeInfo info(VolumeRecord record, int snapshotCount) {
        long allocated = pool.volume(record.id()).map(Volume::allocatedBytes).orElse(0L);
        String target = record.target();
        String nbdAddress = config.advertiseHost() + ":" + nbd.port();
        int clients = nbd.connectionCount(record.name());
        if (!target.equals(config.nodeId())) {
            Membership joined = membership;
            nbdAddress = joined == null ? "unknown" : joined.node(target).record().nbdAddress();
            clients = 0; // counted where it is attached
        }
        String uri = "nbd://" + nbdAddress + "/" + record.name();
        return new VolumeInfo(record.name(), record.id(), record.sizeBytes(), record.labels(),
                clients > 0 ? "in-use" : "available", allocated, uri, clients, record.node(), record.createdAt().toString(),
                snapshotCount, record.source(), record.snapshotSchedule(), record.schedulePolicy(), null, record.attachedTo(),
                replicationInfo(record));
    }

    void requireCapacityFor(long additionalBytes, String name) {
        PoolUsage usage = poolUsage();
        long limit = (long) (usage.capacityBytes() * config.overcommitRatio());
        if (usage.provisionedBytes() + additionalBytes > limit) {
            throw new WharfException(ErrorCode.CAPACITY_EXCEEDED,
                    "volume '" + name + "' needs " + ByteSize.format(additionalBytes) + " more, but the pool has "
                            + ByteSize.format(Math.max(0, limit - usage.provisionedBytes())) + " left to provision ("
                            + ByteSize.format(usage.provisionedBytes()) + " of " + ByteSize.format(limit)
                            + " provisioned: capacity " + ByteSize.format(usage.capacityBytes()) + " x overcommit "
                            + config.overcommitRatio() + ")",
                    "use a smaller size, delete volumes you no longer need, or start the node with a larger --overcommit");
        }
    }

    private static long requireSize(long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "volume size must be positive, got " + sizeBytes,
                    "give a size like 10GiB");
        }
        if (sizeBytes > MAX_VOLUME_BYTES) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "volume size " + ByteSize.format(sizeBytes)
                    + " is more than the largest volume Wharf supports (" + ByteSize.format(MAX_VOLUME_BYTES) + ")",
                    "give a size of at most " + ByteSize.format(MAX_VOLUME_BYTES));
        }
        return sizeBytes;
    }

    private static long roundUpToBlock(long sizeBytes) {
        return (sizeBytes + BLOCK - 1) / BLOCK * BLOCK;
    }

    static WharfException asWharf(Exception e, String what) {
        if (e instanceof WharfException w) {
            return w;
        }
        if (e instanceof UncheckedIOException u) {
            return asWharf(u.getCause(), what);
        }
        return new WharfException(ErrorCode.IO_ERROR, what + " failed: " + e.getMessage(),
                "check the node's log and the pool's disk", e);
    }
}
