package io.wharf.cli;

import io.wharf.api.ClusterInfo;
import io.wharf.api.NodeInfo;
import io.wharf.api.PoolInfo;
import io.wharf.api.VersionInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.WharfApi;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A node's API in memory, refusing the way a node does, behind a real ApiServer in CLI tests. */
final class InMemoryApi implements WharfApi {
    static final long CAPACITY_BYTES = 100 * ByteSize.GIB;
    final Map<String, VolumeInfo> volumes = new ConcurrentSkipListMap<>();
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
        volumes.put(name, new VolumeInfo(name, "vol-" + name, sizeBytes, labels, clients > 0 ? "in-use" : "available",
                allocatedBytes, "nbd://" + nbdAddress + "/" + name, clients, "node-1", "2025-11-27T09:30:00Z"));
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
        put(request.name(), request.sizeBytes(), 0, 0, request.labels());
        return volumes.get(request.name());
    }

    @Override
    public List<VolumeInfo> listVolumes() {
        call();
        return List.copyOf(volumes.values());
    }

    @Override
    public VolumeInfo getVolume(String name) {
        call();
        return lookup(name);
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
        put(name, sizeBytes, v.allocatedBytes(), v.clients(), v.labels());
        return volumes.get(name);
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
        return new ClusterInfo("c-7f3a", "0.1.0", List.of(
                new NodeInfo("node-1", "online", "127.0.0.1:9020", "127.0.0.1:10809", "0.1.0", CAPACITY_BYTES, used())),
                CAPACITY_BYTES, used(), provisioned(), volumes.size());
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

    private long provisioned() {
        return volumes.values().stream().mapToLong(VolumeInfo::sizeBytes).sum();
    }

    private long used() {
        return volumes.values().stream().mapToLong(VolumeInfo::allocatedBytes).sum();
    }
}
