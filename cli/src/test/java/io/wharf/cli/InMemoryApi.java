package io.wharf.cli;

import io.wharf.api.ClusterInfo;
import io.wharf.api.NodeInfo;
import io.wharf.api.PolicyInfo;
import io.wharf.api.PoolInfo;
import io.wharf.api.SnapshotGroupCreate;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.VersionInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeUpdate;
import io.wharf.api.WharfApi;
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

/** A node's API in memory, refusing the way a node does, behind a real ApiServer in CLI tests. */
final class InMemoryApi implements WharfApi {
    static final long CAPACITY_BYTES = 100 * ByteSize.GIB;
    final Map<String, VolumeInfo> volumes = new ConcurrentSkipListMap<>();
    /** What {@code checksumVolume} answers for a volume, when set. */
    final Map<String, io.wharf.api.VolumeChecksum> checksums = new ConcurrentSkipListMap<>();
    /** Snapshots by volume, each volume's in creation order; guarded by {@code this}. */
    final Map<String, Map<String, SnapshotInfo>> snapshots = new LinkedHashMap<>();
    /** Schedule policies by name; guarded by {@code this}. */
    final Map<String, PolicyInfo> policies = new java.util.TreeMap<>();
    final AtomicInteger calls = new AtomicInteger();
    private final AtomicReference<RuntimeException> nextFailure = new AtomicReference<>();
    private String nbdAddress = "127.0.0.1:10809";

    void failNext(RuntimeException failure) {
        nextFailure.set(failure);
    }

    void nbdAddress(String address) {
        nbdAddress = address;
    }

    void put(String name, long sizeBytes, long allocatedBytes, int clients, Map<String, String> labels) {
        put(name, sizeBytes, allocatedBytes, clients, labels, null);
    }

    void put(String name, long sizeBytes, long allocatedBytes, int clients, Map<String, String> labels, String source) {
        VolumeInfo old = volumes.get(name);
        volumes.put(name, new VolumeInfo(name, "vol-" + name, sizeBytes, labels, clients > 0 ? "in-use" : "available",
                allocatedBytes, "nbd://" + nbdAddress + "/" + name, clients, "node-1", "2025-11-27T09:30:00Z", 0,
                source, old == null ? null : old.snapshotSchedule(), old == null ? null : old.schedulePolicy()));
    }

    synchronized void putSnapshot(String volume, String name, long exclusiveBytes) {
        VolumeInfo v = volumes.get(volume);
        snapshots.computeIfAbsent(volume, k -> new LinkedHashMap<>()).put(name, new SnapshotInfo(volume, name,
                "snap-" + volume + "-" + name, "2025-11-28T10:00:00Z", v.sizeBytes(), exclusiveBytes,
                "nbd://" + nbdAddress + "/" + volume + "@" + name, SnapshotInfo.READY, List.of(v.node())));
    }

    /** The snapshot is lost: no copy of its volume holds it any more. */
    synchronized void loseSnapshot(String volume, String name) {
        SnapshotInfo s = snapshots.get(volume).get(name);
        snapshots.get(volume).put(name, new SnapshotInfo(s.volume(), s.name(), s.id(), s.createdAt(), s.sizeBytes(),
                s.exclusiveBytes(), s.nbdUri(), SnapshotInfo.LOST, List.of()));
    }

    private void call() {
        calls.incrementAndGet();
        RuntimeException failure = nextFailure.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public VolumeInfo createVolume(VolumeCreate request) {
        call();
        if (volumes.containsKey(request.name())) {
            throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + request.name() + "' already exists",
                    "choose another name, or delete the existing volume first");
        }
        if (request.schedulePolicy() != null) {
            lookupPolicy(request.schedulePolicy());
        }
        put(request.name(), request.sizeBytes(), 0, 0, request.labels());
        if (request.snapshotSchedule() != null || request.schedulePolicy() != null) {
            calls.decrementAndGet(); // one call, not two
            return updateVolume(request.name(), new VolumeUpdate(request.snapshotSchedule(), request.schedulePolicy()));
        }
        return view(volumes.get(request.name()));
    }

    @Override
    public List<VolumeInfo> listVolumes(String node) {
        call();
        return volumes.values().stream().filter(v -> node == null || node.equals(v.node())).map(this::view).toList();
    }

    @Override
    public VolumeInfo getVolume(String name) {
        call();
        return view(lookup(name));
    }

    @Override
    public VolumeInfo resizeVolume(String name, long sizeBytes) {
        call();
        VolumeInfo v = lookup(name);
        if (sizeBytes < v.sizeBytes()) {
            throw new WharfException(ErrorCode.SHRINK_NOT_SUPPORTED, "volume '" + name + "' is "
                    + ByteSize.format(v.sizeBytes()) + "; shrinking is not supported",
                    "give a size of at least " + ByteSize.format(v.sizeBytes()));
        }
        put(name, sizeBytes, v.allocatedBytes(), v.clients(), v.labels(), v.source());
        return view(volumes.get(name));
    }

    @Override
    public void deleteVolume(String name, boolean force) {
        call();
        VolumeInfo v = lookup(name);
        if (v.clients() > 0 && !force) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE, "volume '" + name + "' has " + v.clients()
                    + " NBD client(s) connected", "unmount it first, or delete with --force");
        }
        volumes.remove(name);
        synchronized (this) {
            snapshots.remove(name);
        }
    }

    @Override
    public synchronized SnapshotInfo createSnapshot(String volume, String name) {
        call();
        lookup(volume);
        String snapshotName = name == null ? "snap-" + (snapshots.getOrDefault(volume, Map.of()).size() + 1) : name;
        if (snapshots.getOrDefault(volume, Map.of()).containsKey(snapshotName)) {
            throw new WharfException(ErrorCode.SNAPSHOT_EXISTS, "snapshot '" + volume + "@" + snapshotName
                    + "' already exists", "choose another name, or delete the existing snapshot first");
        }
        putSnapshot(volume, snapshotName, 0);
        return snapshots.get(volume).get(snapshotName);
    }

    /** Checks every volume first, so a refusal leaves no snapshot of the group, as a node does. */
    @Override
    public synchronized List<SnapshotInfo> createGroupSnapshot(String group, List<String> volumes) {
        call();
        new SnapshotGroupCreate(group, volumes).requireValid();
        Names.requireValid("group", group);
        for (String volume : volumes) {
            lookup(volume);
            if (snapshots.getOrDefault(volume, Map.of()).containsKey(group)) {
                throw new WharfException(ErrorCode.SNAPSHOT_EXISTS, "snapshot '" + volume + "@" + group
                        + "' already exists", "choose another group name, or delete the existing snapshot first");
            }
        }
        List<SnapshotInfo> taken = new ArrayList<>();
        for (String volume : volumes) {
            putSnapshot(volume, group, 0);
            taken.add(snapshots.get(volume).get(group));
        }
        return taken;
    }

    @Override
    public synchronized List<SnapshotInfo> listSnapshots(String volume) {
        call();
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
        call();
        return lookupSnapshot(volume, snapshot);
    }

    @Override
    public synchronized void deleteSnapshot(String volume, String snapshot) {
        call();
        lookupSnapshot(volume, snapshot);
        snapshots.get(volume).remove(snapshot);
    }

    @Override
    public synchronized VolumeInfo cloneVolume(String source, String snapshot, String name, Map<String, String> labels) {
        call();
        long sizeBytes = snapshot == null ? lookup(source).sizeBytes() : lookupSnapshot(source, snapshot).sizeBytes();
        if (volumes.containsKey(name)) {
            throw new WharfException(ErrorCode.VOLUME_EXISTS, "volume '" + name + "' already exists",
                    "choose another name, or delete the existing volume first");
        }
        put(name, sizeBytes, 0, 0, labels, snapshot == null ? source : source + "@" + snapshot);
        return view(volumes.get(name));
    }

    @Override
    public synchronized VolumeInfo revertVolume(String volume, String snapshot, boolean force) {
        call();
        VolumeInfo v = lookup(volume);
        SnapshotInfo s = lookupSnapshot(volume, snapshot);
        if (v.clients() > 0 && !force) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE, "volume '" + volume + "' has " + v.clients()
                    + " NBD client(s) connected", "unmount it first, or revert with --force");
        }
        put(volume, s.sizeBytes(), v.allocatedBytes(), 0, v.labels(), v.source());
        return view(volumes.get(volume));
    }

    @Override
    public synchronized VolumeInfo updateVolume(String name, VolumeUpdate update) {
        call();
        VolumeInfo v = lookup(name);
        String schedule = v.snapshotSchedule();
        String policy = v.schedulePolicy();
        if (update.snapshotSchedule() != null) {
            schedule = update.snapshotSchedule().isEmpty() ? null : update.snapshotSchedule();
            policy = schedule == null ? policy : null;
        }
        if (update.schedulePolicy() != null) {
            policy = update.schedulePolicy().isEmpty() ? null : lookupPolicy(update.schedulePolicy()).name();
            schedule = policy == null ? schedule : null;
        }
        volumes.put(name, new VolumeInfo(v.name(), v.id(), v.sizeBytes(), v.labels(), v.state(), v.allocatedBytes(),
                v.nbdUri(), v.clients(), v.node(), v.createdAt(), 0, v.source(), schedule, policy));
        return view(volumes.get(name));
    }

    @Override
    public synchronized PolicyInfo createPolicy(String name, String schedule) {
        call();
        if (policies.containsKey(name)) {
            throw new WharfException(ErrorCode.POLICY_EXISTS, "policy '" + name + "' already exists",
                    "choose another name, or delete the existing policy first");
        }
        policies.put(name, new PolicyInfo(name, schedule, 0, "2025-11-29T08:00:00Z"));
        return policyView(policies.get(name));
    }

    @Override
    public synchronized List<PolicyInfo> listPolicies() {
        call();
        return policies.values().stream().map(this::policyView).toList();
    }

    @Override
    public synchronized PolicyInfo getPolicy(String name) {
        call();
        return policyView(lookupPolicy(name));
    }

    @Override
    public synchronized void deletePolicy(String name) {
        call();
        PolicyInfo p = policyView(lookupPolicy(name));
        if (p.volumes() > 0) {
            throw new WharfException(ErrorCode.POLICY_IN_USE, "policy '" + name + "' is used by " + p.volumes()
                    + " volume(s)",
                    "clear it from those volumes first with wharf volume update VOLUME --schedule-policy ''");
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

    private PolicyInfo policyView(PolicyInfo p) {
        int count = (int) volumes.values().stream().filter(v -> p.name().equals(v.schedulePolicy())).count();
        return new PolicyInfo(p.name(), p.schedule(), count, p.createdAt());
    }

    @Override
    public List<PoolInfo> listPools() {
        call();
        return List.of(new PoolInfo("node-1", "/var/lib/wharf/pool", CAPACITY_BYTES, used(), provisioned(), 2.0,
                volumes.size()));
    }

    @Override
    public ClusterInfo clusterStatus() {
        call();
        return new ClusterInfo("c-7f3a", "0.1.0", List.copyOf(nodes().values()),
                CAPACITY_BYTES, used(), provisioned(), volumes.size());
    }

    /** Nodes besides node-1 that tests add; node-1 is this in-memory node. */
    final Map<String, NodeInfo> otherNodes = new java.util.TreeMap<>();
    final Map<String, Boolean> maintenance = new java.util.TreeMap<>();

    private synchronized Map<String, NodeInfo> nodes() {
        Map<String, NodeInfo> all = new java.util.TreeMap<>(otherNodes);
        all.put("node-1", new NodeInfo("node-1", "online", "127.0.0.1:9020", "127.0.0.1:10809", null, null, false,
                "0.1.0", CAPACITY_BYTES, used(), provisioned(), "2025-11-27T09:00:00Z", "2025-11-27T09:30:00Z", null));
        maintenance.forEach((id, on) -> all.computeIfPresent(id, (k, n) -> new NodeInfo(n.id(),
                !on ? "online" : "offline".equals(n.state()) ? "offline" : "maintenance", n.apiAddress(), n.nbdAddress(),
                n.zone(), n.rack(), on, n.version(), n.capacityBytes(), n.usedBytes(), n.provisionedBytes(), n.startedAt(),
                n.reportedAt(), n.labels())));
        return all;
    }

    @Override
    public List<NodeInfo> listNodes() {
        call();
        return List.copyOf(nodes().values());
    }

    @Override
    public NodeInfo getNode(String id) {
        call();
        NodeInfo node = nodes().get(id);
        if (node == null) {
            throw new WharfException(ErrorCode.NODE_NOT_FOUND, "node '" + id + "' is not a member of this cluster",
                    "list nodes with `wharf node list`");
        }
        return node;
    }

    @Override
    public synchronized io.wharf.api.VolumeChecksum checksumVolume(String name, String replica) {
        VolumeInfo v = lookup(name);
        if (checksums.containsKey(name)) {
            return checksums.get(name);
        }
        return new io.wharf.api.VolumeChecksum(name, true, java.util.List.of(
                new io.wharf.api.VolumeChecksum.Replica(v.node(), "in-sync", "0".repeat(64), null)));
    }

    @Override
    public synchronized VolumeInfo attachVolume(String name, String node, boolean force) {
        call();
        VolumeInfo v = lookup(name);
        String target = node == null ? "node-1" : getNodeQuietly(node);
        if (v.attachedTo() != null && !v.attachedTo().equals(target)) {
            throw new WharfException(ErrorCode.VOLUME_ATTACHED, "volume '" + name + "' is attached to node '"
                    + v.attachedTo() + "'", "detach it first (`wharf volume detach " + name + "`)");
        }
        volumes.put(name, v.withAttachedTo(target));
        return view(volumes.get(name));
    }

    private String getNodeQuietly(String id) {
        if (!nodes().containsKey(id)) {
            throw new WharfException(ErrorCode.NODE_NOT_FOUND, "node '" + id + "' is not a member of this cluster",
                    "list nodes with `wharf node list`");
        }
        return id;
    }

    @Override
    public synchronized VolumeInfo detachVolume(String name) {
        call();
        volumes.put(name, lookup(name).withAttachedTo(null));
        return view(volumes.get(name));
    }

    @Override
    public synchronized void decommissionNode(String id) {
        NodeInfo node = getNode(id);
        if (!"offline".equals(node.state())) {
            throw new WharfException(ErrorCode.NODE_IN_USE, "node '" + id + "' is " + node.state(),
                    "stop the node before decommissioning it");
        }
        otherNodes.remove(id);
    }

    @Override
    public synchronized NodeInfo setNodeMaintenance(String id, boolean on) {
        getNode(id);
        maintenance.put(id, on);
        return nodes().get(id);
    }

    @Override
    public VersionInfo version() {
        call();
        return new VersionInfo("0.1.0", "v1");
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
            throw new WharfException(ErrorCode.SNAPSHOT_NOT_FOUND, "snapshot '" + volume + "@" + snapshot
                    + "' does not exist", "list the volume's snapshots with `wharf snapshot list " + volume + "`");
        }
        return s;
    }

    /** The volume with its current snapshot count, as a node reports it. */
    private synchronized VolumeInfo view(VolumeInfo v) {
        return new VolumeInfo(v.name(), v.id(), v.sizeBytes(), v.labels(), v.state(), v.allocatedBytes(), v.nbdUri(),
                v.clients(), v.node(), v.createdAt(), snapshots.getOrDefault(v.name(), Map.of()).size(), v.source(),
                v.snapshotSchedule(), v.schedulePolicy()).withReplication(v.replication());
    }

    private long provisioned() {
        return volumes.values().stream().mapToLong(VolumeInfo::sizeBytes).sum();
    }

    private long used() {
        return volumes.values().stream().mapToLong(VolumeInfo::allocatedBytes).sum();
    }
}
