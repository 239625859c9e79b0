package io.wharf.node;

import io.wharf.api.ClusterInfo;
import io.wharf.api.NodeInfo;
import io.wharf.api.PolicyInfo;
import io.wharf.api.PoolInfo;
import io.wharf.api.VolumeUpdate;
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
import io.wharf.metadata.model.VolumeRecord;
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
        this.snapshots = new SnapshotService(config, catalog, pool, nbd, exports, clock, controlLock);
    }

    /** Finishes or undoes what a crash interrupted, then serves every ready volume. */
    void recover() throws IOException {
        synchronized (controlLock) {
            List<VolumeRecord> records = catalog.list();
            for (VolumeRecord record : records) {
                switch (record.state()) {
                    case CREATING -> {
                        log.atInfo().addKeyValue("volume", record.name()).log("rolling back a create cut short");
                        if (pool.volume(record.id()).isPresent()) {
                            pool.delete(record.id());
                        }
                        catalog.delete(record.name());
                    }
                    case DELETING -> {
                        log.atInfo().addKeyValue("volume", record.name()).log("finishing a delete cut short");
                        if (pool.volume(record.id()).isPresent()) {
                            pool.delete(record.id());
                        }
                        snapshots.forgetAll(record.name());
                        catalog.delete(record.name());
                    }
                    case READY -> serveReady(record);
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

    private void serveReady(VolumeRecord record) throws IOException {
        Optional<Volume> volume = pool.volume(record.id());
        if (volume.isEmpty()) {
            // Corruption of the node's own state: the store says ready, the pool has nothing.
            throw new IllegalStateException("volume " + record.name() + " (" + record.id() + ") is recorded as ready but its storage is missing");
        }
        if (volume.get().sizeBytes() < record.sizeBytes()) {
            volume.get().resize(record.sizeBytes()); // a resize cut short after its record was written
        }
        exports.putVolume(new VolumeExport(record.name(), volume.get()));
    }

    @Override
    public VolumeInfo createVolume(VolumeCreate request) {
        String name = Names.requireValid("volume", request.name());
        request.labels().forEach(Names::requireValidLabel);
        long sizeBytes = roundUpToBlock(requireSize(request.sizeBytes()));
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
            catalog.put(record);
            try {
                Volume volume = pool.create(record.id(), sizeBytes);
                VolumeRecord ready = record.withState(VolumeState.READY);
                catalog.put(ready);
                exports.putVolume(new VolumeExport(name, volume));
                log.atInfo().addKeyValue("volume", name).addKeyValue("sizeBytes", sizeBytes).log("volume created");
                return info(ready);
            } catch (IOException | RuntimeException e) {
                undoCreate(record);
                throw asWharf(e, "creating volume '" + name + "'");
            }
        }
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
    public List<VolumeInfo> listVolumes() {
        List<VolumeInfo> volumes = new ArrayList<>();
        for (VolumeRecord record : catalog.list()) {
            if (record.state() == VolumeState.READY) {
                volumes.add(info(record));
            }
        }
        return volumes;
    }

    @Override
    public VolumeInfo getVolume(String name) {
        VolumeRecord record = requireReady(name);
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
        synchronized (controlLock) {
            VolumeRecord record = requireReady(name);
            long newSize = roundUpToBlock(requireSize(sizeBytes));
            if (newSize < record.sizeBytes()) {
                throw new WharfException(ErrorCode.SHRINK_NOT_SUPPORTED,
                        "volume '" + name + "' is " + ByteSize.format(record.sizeBytes()) + "; shrinking it to "
                                + ByteSize.format(newSize) + " could destroy data",
                        "volumes only grow; to use less space, copy the data to a new, smaller volume");
            }
            if (newSize == record.sizeBytes()) {
                return info(record);
            }
            requireCapacityFor(newSize - record.sizeBytes(), name);
            VolumeRecord resized = record.withSize(newSize);
            catalog.put(resized);
            try {
                exports.volume(name).orElseThrow().volume().resize(newSize);
            } catch (IOException | RuntimeException e) {
                throw asWharf(e, "resizing volume '" + name + "'");
            }
            log.atInfo().addKeyValue("volume", name).addKeyValue("sizeBytes", newSize).log("volume resized");
            return info(resized);
        }
    }

    @Override
    public void deleteVolume(String name, boolean force) {
        synchronized (controlLock) {
            VolumeRecord record = requireReady(name);
            int clients = nbd.connectionCount(name);
            if (clients > 0 && !force) {
                throw new WharfException(ErrorCode.VOLUME_IN_USE,
                        "volume '" + name + "' is in use by " + clients + " NBD client" + (clients == 1 ? "" : "s"),
                        "disconnect the clients (e.g. `wharf volume unmount PATH`), or add --force to disconnect them and delete");
            }
            catalog.put(record.withState(VolumeState.DELETING));
            exports.removeVolume(name);
            nbd.disconnectAll(name);
            snapshots.disconnectAll(name);
            try {
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
        return snapshots.create(requireReady(volume), name);
    }

    @Override
    public List<SnapshotInfo> createGroupSnapshot(String group, List<String> volumes) {
        new io.wharf.api.SnapshotGroupCreate(group, volumes).requireValid();
        synchronized (controlLock) {
            List<VolumeRecord> records = volumes.stream().map(this::requireReady).toList();
            return snapshots.createGroup(records, group);
        }
    }

    @Override
    public List<SnapshotInfo> listSnapshots(String volume) {
        if (volume != null) {
            requireReady(volume);
        }
        return snapshots.list(volume);
    }

    @Override
    public SnapshotInfo getSnapshot(String volume, String snapshot) {
        return snapshots.get(requireReady(volume), snapshot);
    }

    @Override
    public void deleteSnapshot(String volume, String snapshot) {
        snapshots.delete(requireReady(volume), snapshot);
    }

    @Override
    public VolumeInfo cloneVolume(String source, String snapshot, String name, Map<String, String> labels) {
        String newName = Names.requireValid("volume", name);
        Map<String, String> newLabels = labels == null ? Map.of() : labels;
        newLabels.forEach(Names::requireValidLabel);
        synchronized (controlLock) {
            VolumeRecord sourceRecord = requireReady(source);
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
        synchronized (controlLock) {
            VolumeRecord record = requireReady(volume);
            snapshots.revert(record, snapshot, force);
            return info(record);
        }
    }

    @Override
    public VolumeInfo updateVolume(String name, VolumeUpdate update) {
        synchronized (controlLock) {
            VolumeRecord record = requireReady(name);
            String schedule = update.snapshotSchedule() == null ? record.snapshotSchedule() : blankToNull(update.snapshotSchedule());
            String policy = update.schedulePolicy() == null ? record.schedulePolicy() : blankToNull(update.schedulePolicy());
            requireScheduleChoice(name, schedule, policy);
            VolumeRecord updated = record.withSchedule(schedule, policy, clock.now());
            catalog.put(updated);
            log.atInfo().addKeyValue("volume", name).addKeyValue("schedule", schedule).addKeyValue("policy", policy)
                    .log("volume schedule set");
            return info(updated);
        }
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

    List<VolumeRecord> readyVolumes() {
        return catalog.list().stream().filter(r -> r.state() == VolumeState.READY).toList();
    }

    @Override
    public List<PoolInfo> listPools() {
        return List.of(poolInfo());
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
        PoolInfo pool = poolInfo();
        NodeInfo node = new NodeInfo(config.nodeId(), "online", config.advertiseHost() + ":" + apiPort(),
                config.advertiseHost() + ":" + nbd.port(), WharfVersion.version(), pool.capacityBytes(), pool.usedBytes());
        return new ClusterInfo(clusterId, WharfVersion.version(), List.of(node), pool.capacityBytes(), pool.usedBytes(),
                pool.provisionedBytes(), pool.volumes());
    }

    private volatile int apiPort;

    void apiPort(int port) {
        this.apiPort = port;
    }

    private int apiPort() {
        return apiPort;
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
        VolumeExport export = exports.volume(record.name()).orElse(null);
        long allocated = export == null ? 0 : export.volume().allocatedBytes();
        int clients = nbd.connectionCount(record.name());
        String uri = "nbd://" + config.advertiseHost() + ":" + nbd.port() + "/" + record.name();
        return new VolumeInfo(record.name(), record.id(), record.sizeBytes(), record.labels(),
                clients > 0 ? "in-use" : "available", allocated, uri, clients, record.node(), record.createdAt().toString(),
                catalog.snapshots(record.name()).size(), record.source(), record.snapshotSchedule(), record.schedulePolicy());
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
