package io.wharf.api;

import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** An in-memory {@link WharfApi} that refuses the way a node does, for tests of the HTTP layer. */
public class FakeWharfApi implements WharfApi {
    public static final long CAPACITY_BYTES = 100 * ByteSize.GIB;
    /** How many snapshots one volume may have before {@code SNAPSHOT_LIMIT}. */
    public static final int MAX_SNAPSHOTS = 3;
    /** Snapshots by volume name, each volume's in creation order; guarded by {@code this}. */
    private final Map<String, Map<String, SnapshotInfo>> snapshots = new LinkedHashMap<>();
    private final Map<String, VolumeInfo> volumes = new ConcurrentSkipListMap<>();
    /** Schedule policies by name; guarded by {@code this}. */
    private final Map<String, PolicyInfo> policies = new java.util.TreeMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicReference<RuntimeException> nextFailure = new AtomicReference<>();

    /** The next call throws {@code failure} (once). */
    public void failNext(RuntimeException failure) {
        nextFailure.set(failure);
    }

    /** Pretends {@code clients} NBD clients are connected to the volume. */
    public void setClients(String name, int clients) {
        VolumeInfo v = lookup(name);
        volumes.put(name, new VolumeInfo(v.name(), v.id(), v.sizeBytes(), v.labels(),
                clients > 0 ? "in-use" : "available", v.allocatedBytes(), v.nbdUri(), clients, v.node(), v.createdAt(),
                0, v.source(), v.snapshotSchedule(), v.schedulePolicy()));
    }

    private void maybeFail() {
        RuntimeException failure = nextFailure.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public VolumeInfo createVolume(VolumeCreate request) {
        maybeFail();
        return create(request, null);
    }

    private VolumeInfo create(VolumeCreate request, String source) {
        Names.requireValid("volume", request.name());
        request.labels().forEach(Names::requireValidLabel);
        if (request.sizeBytes() <= 0) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "size must be positive", "write a size like 10GiB");
        }
        if (provisioned() + request.sizeBytes() > 2 * CAPACITY_BYTES) {
            throw new WharfException(ErrorCode.CAPACITY_EXCEEDED,
                    "no pool can take " + ByteSize.format(request.sizeBytes()), "delete volumes or add a node");
        }
        VolumeInfo info = new VolumeInfo(request.name(), "vol-" + ids.incrementAndGet(), request.sizeBytes(),
                request.labels(), "available", 0, "nbd://127.0.0.1:10809/" + request.name(), 0, "node-1",
                "2025-11-27T00:00:00Z", 0, source, null, null);
        if (volumes.putIfAbsent(request.name(), info) != null) {
            throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + request.name() + "' already exists",
                    "choose another name, or delete the existing volume first");
        }
        return info;
    }

    @Override
    public List<VolumeInfo> listVolumes(String node) {
        maybeFail();
        return volumes.values().stream().filter(v -> node == null || node.equals(v.node())).map(this::withSnapshotCount)
                .toList();
    }

    @Override
    public VolumeInfo getVolume(String name) {
        maybeFail();
        return withSnapshotCount(lookup(name));
    }

    @Override
    public VolumeInfo resizeVolume(String name, long sizeBytes) {
        maybeFail();
        VolumeInfo v = lookup(name);
        if (sizeBytes < v.sizeBytes()) {
            throw new WharfException(ErrorCode.SHRINK_NOT_SUPPORTED,
                    "volume '" + name + "' is " + ByteSize.format(v.sizeBytes()) + "; shrinking is not supported",
                    "give a size of at least " + ByteSize.format(v.sizeBytes()));
        }
        VolumeInfo resized = new VolumeInfo(v.name(), v.id(), sizeBytes, v.labels(), v.state(), v.allocatedBytes(),
                v.nbdUri(), v.clients(), v.node(), v.createdAt(), 0, v.source(),
                v.snapshotSchedule(), v.schedulePolicy());
        volumes.put(name, resized);
        return withSnapshotCount(resized);
    }

    @Override
    public void deleteVolume(String name, boolean force) {
        maybeFail();
        VolumeInfo v = lookup(name);
        if (v.clients() > 0 && !force) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE,
                    "volume '" + name + "' has " + v.clients() + " NBD client(s) connected",
                    "disconnect them (`wharf volume unmount`), or delete with --force");
        }
        volumes.remove(name);
        synchronized (this) {
            snapshots.remove(name);
        }
    }

    @Override
    public synchronized SnapshotInfo createSnapshot(String volume, String name) {
        maybeFail();
        VolumeInfo v = lookup(volume);
        Map<String, SnapshotInfo> taken = snapshots.computeIfAbsent(volume, k -> new LinkedHashMap<>());
        String snapshotName = name == null ? "snap-" + (ids.get() + 1) : Names.requireValid("snapshot", name);
        if (taken.containsKey(snapshotName)) {
            throw new WharfException(ErrorCode.SNAPSHOT_EXISTS,
                    "snapshot '" + volume + "@" + snapshotName + "' already exists",
                    "choose another name, or delete the existing snapshot first");
        }
        if (taken.size() >= MAX_SNAPSHOTS) {
            throw new WharfException(ErrorCode.SNAPSHOT_LIMIT,
                    "volume '" + volume + "' already has " + MAX_SNAPSHOTS + " snapshots, the most it may have",
                    "delete snapshots you no longer need");
        }
        SnapshotInfo info = new SnapshotInfo(volume, snapshotName, "snap-" + ids.incrementAndGet(),
                "2025-11-28T00:00:00Z", v.sizeBytes(), 0, v.nbdUri() + "@" + snapshotName, SnapshotInfo.READY, List.of(v.node()));
        taken.put(snapshotName, info);
        return info;
    }

    /** Checks every volume before taking any snapshot, so a refusal leaves none of the group behind. */
    @Override
    public synchronized List<SnapshotInfo> createGroupSnapshot(String group, List<String> volumes) {
        maybeFail();
        new SnapshotGroupCreate(group, volumes).requireValid();
        Names.requireValid("group", group);
        for (String volume : volumes) {
            lookup(volume);
            Map<String, SnapshotInfo> taken = snapshots.getOrDefault(volume, Map.of());
            if (taken.containsKey(group)) {
                throw new WharfException(ErrorCode.SNAPSHOT_EXISTS,
                        "snapshot '" + volume + "@" + group + "' already exists",
                        "choose another group name, or delete the existing snapshot first");
            }
            if (taken.size() >= MAX_SNAPSHOTS) {
                throw new WharfException(ErrorCode.SNAPSHOT_LIMIT,
                        "volume '" + volume + "' already has " + MAX_SNAPSHOTS + " snapshots, the most it may have",
                        "delete snapshots you no longer need");
            }
        }
        List<SnapshotInfo> taken = new ArrayList<>();
        for (String volume : volumes) {
            taken.add(createSnapshot(volume, group));
        }
        return taken;
    }

    @Override
    public synchronized List<SnapshotInfo> listSnapshots(String volume) {
        maybeFail();
        if (volume != null) {
            lookup(volume);
            return List.copyOf(snapshots.getOrDefault(volume, Map.of()).values());
        }
        List<SnapshotInfo> all = new ArrayList<>();
        volumes.keySet().forEach(name -> all.addAll(snapshots.getOrDefault(name, Map.of()).values()));
        return all;
    }

    @Override
    public synchronized SnapshotInfo getSnapshot(String volume, String snapshot) {
        maybeFail();
        return lookupSnapshot(volume, snapshot);
    }

    @Override
    public synchronized void deleteSnapshot(String volume, String snapshot) {
        maybeFail();
        lookupSnapshot(volume, snapshot);
        snapshots.get(volume).remove(snapshot);
    }

    @Override
    public synchronized VolumeInfo cloneVolume(String source, String snapshot, String name, Map<String, String> labels) {
        maybeFail();
        long sizeBytes = snapshot == null ? lookup(source).sizeBytes() : lookupSnapshot(source, snapshot).sizeBytes();
        return create(new VolumeCreate(name, sizeBytes, labels), snapshot == null ? source : source + "@" + snapshot);
    }

    @Override
    public synchronized VolumeInfo revertVolume(String volume, String snapshot, boolean force) {
        maybeFail();
        VolumeInfo v = lookup(volume);
        SnapshotInfo s = lookupSnapshot(volume, snapshot);
        if (v.clients() > 0 && !force) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE,
                    "volume '" + volume + "' has " + v.clients() + " NBD client(s) connected",
                    "disconnect them (`wharf volume unmount`), or revert with --force");
        }
        VolumeInfo reverted = new VolumeInfo(v.name(), v.id(), s.sizeBytes(), v.labels(), "available",
                v.allocatedBytes(), v.nbdUri(), 0, v.node(), v.createdAt(), 0, v.source(),
                v.snapshotSchedule(), v.schedulePolicy());
        volumes.put(volume, reverted);
        return withSnapshotCount(reverted);
    }

    /** A volume has a schedule or a policy, not both: setting one clears the other. */
    @Override
    public synchronized VolumeInfo updateVolume(String name, VolumeUpdate update) {
        maybeFail();
        VolumeInfo v = lookup(name);
        String schedule = update.snapshotSchedule();
        String policy = update.schedulePolicy();
        if (schedule != null && !schedule.isEmpty() && policy != null && !policy.isEmpty()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "volume '" + name + "' can follow a snapshot schedule or a schedule policy, not both",
                    "give either snapshotSchedule or schedulePolicy");
        }
        String newSchedule = v.snapshotSchedule();
        String newPolicy = v.schedulePolicy();
        if (schedule != null) {
            newSchedule = schedule.isEmpty() ? null : requireSchedule(schedule);
            if (newSchedule != null) {
                newPolicy = null;
            }
        }
        if (policy != null) {
            newPolicy = policy.isEmpty() ? null : lookupPolicy(policy).name();
            if (newPolicy != null) {
                newSchedule = null;
            }
        }
        VolumeInfo updated = new VolumeInfo(v.name(), v.id(), v.sizeBytes(), v.labels(), v.state(),
                v.allocatedBytes(), v.nbdUri(), v.clients(), v.node(), v.createdAt(), 0, v.source(), newSchedule,
                newPolicy);
        volumes.put(name, updated);
        return withSnapshotCount(updated);
    }

    @Override
    public synchronized PolicyInfo createPolicy(String name, String schedule) {
        maybeFail();
        Names.requireValid("policy", name);
        requireSchedule(schedule);
        if (policies.containsKey(name)) {
            throw new WharfException(ErrorCode.POLICY_EXISTS, "policy '" + name + "' already exists",
                    "choose another name, or delete the existing policy first");
        }
        PolicyInfo info = new PolicyInfo(name, schedule, 0, "2025-11-29T00:00:00Z");
        policies.put(name, info);
        return info;
    }

    @Override
    public synchronized List<PolicyInfo> listPolicies() {
        maybeFail();
        return policies.values().stream().map(this::withVolumeCount).toList();
    }

    @Override
    public synchronized PolicyInfo getPolicy(String name) {
        maybeFail();
        return withVolumeCount(lookupPolicy(name));
    }

    @Override
    public synchronized void deletePolicy(String name) {
        maybeFail();
        PolicyInfo policy = withVolumeCount(lookupPolicy(name));
        if (policy.volumes() > 0) {
            throw new WharfException(ErrorCode.POLICY_IN_USE,
                    "policy '" + name + "' is used by " + policy.volumes() + " volume(s)",
                    "clear it from those volumes first (`wharf volume update VOLUME --schedule-policy \"\"`)");
        }
        policies.remove(name);
    }

    private PolicyInfo lookupPolicy(String name) {
        PolicyInfo p = policies.get(name);
        if (p == null) {
            throw new WharfException(ErrorCode.POLICY_NOT_FOUND, "policy '" + name + "' does not exist",
                    "list policies with `wharf policy list`");
        }
        return p;
    }

    private PolicyInfo withVolumeCount(PolicyInfo p) {
        int count = (int) volumes.values().stream().filter(v -> p.name().equals(v.schedulePolicy())).count();
        return new PolicyInfo(p.name(), p.schedule(), count, p.createdAt());
    }

    private static String requireSchedule(String schedule) {
        if (schedule == null || schedule.isBlank() || !schedule.contains("=")) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "schedule '" + schedule + "' is not valid",
                    "write a schedule like periodic=60m,keep=5 or daily=02:00,keep=7");
        }
        return schedule;
    }

    @Override
    public List<PoolInfo> listPools() {
        maybeFail();
        return List.of(new PoolInfo("node-1", "/var/lib/wharf/pool", CAPACITY_BYTES, used(), provisioned(), 2.0,
                volumes.size()));
    }

    @Override
    public ClusterInfo clusterStatus() {
        maybeFail();
        return new ClusterInfo("c-test", "0.1.0-test", List.of(node("node-1")),
                CAPACITY_BYTES, used(), provisioned(), volumes.size());
    }

    private final Map<String, Boolean> maintenance = new java.util.concurrent.ConcurrentHashMap<>();

    private NodeInfo node(String id) {
        boolean inMaintenance = maintenance.getOrDefault(id, false);
        return new NodeInfo(id, inMaintenance ? "maintenance" : "online", "127.0.0.1:9020", "127.0.0.1:10809", "zone-a",
                null, inMaintenance, "0.1.0-test", CAPACITY_BYTES, used(), provisioned(), "2025-11-27T09:00:00Z",
                "2025-11-27T09:30:00Z", null);
    }

    @Override
    public List<NodeInfo> listNodes() {
        maybeFail();
        return List.of(node("node-1"));
    }

    @Override
    public NodeInfo getNode(String id) {
        maybeFail();
        if (!"node-1".equals(id)) {
            throw new WharfException(ErrorCode.NODE_NOT_FOUND, "node '" + id + "' is not a member of this cluster",
                    "list nodes with `wharf node list`");
        }
        return node(id);
    }

    @Override
    public io.wharf.api.VolumeChecksum checksumVolume(String name, String replica) {
        VolumeInfo v = lookup(name);
        return new io.wharf.api.VolumeChecksum(name, true, java.util.List.of(
                new io.wharf.api.VolumeChecksum.Replica(v.node(), "in-sync", "0".repeat(64), null)));
    }

    @Override
    public VolumeInfo attachVolume(String name, String node, boolean force) {
        maybeFail();
        VolumeInfo v = lookup(name);
        String target = node == null ? "node-1" : node;
        if (v.attachedTo() != null && !v.attachedTo().equals(target)) {
            throw new WharfException(ErrorCode.VOLUME_ATTACHED, "volume '" + name + "' is attached to node '"
                    + v.attachedTo() + "'", "detach it first");
        }
        volumes.put(name, v.withAttachedTo(target));
        return withSnapshotCount(volumes.get(name));
    }

    @Override
    public VolumeInfo detachVolume(String name) {
        maybeFail();
        volumes.put(name, lookup(name).withAttachedTo(null));
        return withSnapshotCount(volumes.get(name));
    }

    @Override
    public void decommissionNode(String id) {
        getNode(id);
        throw new WharfException(ErrorCode.NODE_IN_USE, "node '" + id + "' is online", "stop it first");
    }

    @Override
    public NodeInfo setNodeMaintenance(String id, boolean on) {
        getNode(id);
        maintenance.put(id, on);
        return node(id);
    }

    @Override
    public VersionInfo version() {
        maybeFail();
        return new VersionInfo("0.1.0-test", "v1");
    }

    private VolumeInfo lookup(String name) {
        VolumeInfo v = volumes.get(name);
        if (v == null) {
            throw new WharfException(ErrorCode.VOLUME_NOT_FOUND, "volume '" + name + "' does not exist",
                    "list volumes with `wharf volume list`");
        }
        return v;
    }

    private synchronized SnapshotInfo lookupSnapshot(String volume, String snapshot) {
        lookup(volume);
        SnapshotInfo s = snapshots.getOrDefault(volume, Map.of()).get(snapshot);
        if (s == null) {
            throw new WharfException(ErrorCode.SNAPSHOT_NOT_FOUND,
                    "snapshot '" + volume + "@" + snapshot + "' does not exist",
                    "list the volume's snapshots with `wharf snapshot list " + volume + "`");
        }
        return s;
    }

    private synchronized VolumeInfo withSnapshotCount(VolumeInfo v) {
        int count = snapshots.getOrDefault(v.name(), Map.of()).size();
        return new VolumeInfo(v.name(), v.id(), v.sizeBytes(), v.labels(), v.state(), v.allocatedBytes(), v.nbdUri(),
                v.clients(), v.node(), v.createdAt(), count, v.source(), v.snapshotSchedule(), v.schedulePolicy());
    }

    private long provisioned() {
        return volumes.values().stream().mapToLong(VolumeInfo::sizeBytes).sum();
    }

    private long used() {
        return volumes.values().stream().mapToLong(VolumeInfo::allocatedBytes).sum();
    }
}
