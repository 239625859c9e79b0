package io.wharf.csi.controller;

import com.google.protobuf.Int64Value;
import com.google.protobuf.Timestamp;
import csi.v1.ControllerGrpc;
import csi.v1.Csi;
import io.grpc.stub.StreamObserver;
import io.wharf.api.NodeInfo;
import io.wharf.api.PoolInfo;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeInfo;
import io.wharf.api.WharfApi;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.csi.AccessModes;
import io.wharf.csi.CsiErrors;
import io.wharf.csi.CsiIds;
import io.wharf.csi.OperationLocks;
import io.wharf.csi.Rpc;
import io.wharf.csi.Topology;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Controller service, over the REST API. Volume id = Wharf volume name; snapshot id =
 * {@code volume@snapshot} (see {@link CsiIds}). Every call is idempotent: a create finds what an
 * earlier call made and checks it is compatible (parameters by a fingerprint label, size, source);
 * deletes and unpublishes of what is gone succeed. One call at a time per volume or name
 * ({@link OperationLocks}); a second gets ABORTED.
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
    private final WharfApi api;
    private final OperationLocks locks;
    private final VolumeProvisioner provisioner;

    public ControllerService(WharfApi api, OperationLocks locks) {
        this.api = api;
        this.locks = locks;
        this.provisioner = new VolumeProvisioner(api);
    }

    @Override
    public void controllerGetCapabilities(Csi.ControllerGetCapabilitiesRequest request,
                                          StreamObserver<Csi.ControllerGetCapabilitiesResponse> response) {
        Rpc.reply(response, () -> {
            Csi.ControllerGetCapabilitiesResponse.Builder answer = Csi.ControllerGetCapabilitiesResponse.newBuilder();
            for (Csi.ControllerServiceCapability.RPC.Type type : List.of(
                    Csi.ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
                    Csi.ControllerServiceCapability.RPC.Type.PUBLISH_UNPUBLISH_VOLUME,
                    Csi.ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
                    Csi.ControllerServiceCapability.RPC.Type.GET_CAPACITY,
                    Csi.ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT,
                    Csi.ControllerServiceCapability.RPC.Type.LIST_SNAPSHOTS,
                    Csi.ControllerServiceCapability.RPC.Type.CLONE_VOLUME,
                    Csi.ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
                    Csi.ControllerServiceCapability.RPC.Type.LIST_VOLUMES_PUBLISHED_NODES,
                    Csi.ControllerServiceCapability.RPC.Type.VOLUME_CONDITION,
                    Csi.ControllerServiceCapability.RPC.Type.GET_VOLUME,
                    Csi.ControllerServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER)) {
                answer.addCapabilities(Csi.ControllerServiceCapability.newBuilder()
                        .setRpc(Csi.ControllerServiceCapability.RPC.newBuilder().setType(type)));
            }
            return answer.build();
        });
    }

    // ---- volumes ----

    @Override
    public void createVolume(Csi.CreateVolumeRequest request, StreamObserver<Csi.CreateVolumeResponse> response) {
        Rpc.reply(response, () -> {
            if (request.getName().isEmpty()) {
                throw CsiErrors.invalid("name is required");
            }
            AccessModes.requireSupported(request.getVolumeCapabilitiesList());
            StorageClassParameters parameters = StorageClassParameters.parse(request.getParametersMap());
            SizeRange size = SizeRange.of(request.getCapacityRange());
            String name = CsiIds.volumeName(request.getName());
            try (OperationLocks.Held _ = locks.acquire("volume/" + name)) {
                VolumeInfo volume = provisioner.ensure(name, request, parameters, size);
                return Csi.CreateVolumeResponse.newBuilder()
                        .setVolume(volume(volume, parameters.volumeContext(), request.hasVolumeContentSource()
                                ? request.getVolumeContentSource() : null))
                        .build();
            }
        });
    }

    @Override
    public void deleteVolume(Csi.DeleteVolumeRequest request, StreamObserver<Csi.DeleteVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = requireVolumeId(request.getVolumeId());
            if (!CsiIds.validVolumeId(id)) {
                return Csi.DeleteVolumeResponse.getDefaultInstance();
            }
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Optional<VolumeInfo> volume = find(id);
                if (volume.isEmpty()) {
                    return Csi.DeleteVolumeResponse.getDefaultInstance();
                }
                if (volume.get().attachedTo() != null) {
                    throw CsiErrors.failedPrecondition("volume " + id + " is still published to node "
                            + volume.get().attachedTo() + "; unpublish it first");
                }
                List<String> snapshots = api.listSnapshots(id).stream().map(SnapshotInfo::name)
                        .filter(n -> n.startsWith(CsiIds.SNAPSHOT_PREFIX)).toList();
                if (!snapshots.isEmpty()) {
                    throw CsiErrors.failedPrecondition("volume " + id + " has " + snapshots.size() + " CSI snapshot(s) "
                            + snapshots + ", which Wharf keeps inside the volume; delete the VolumeSnapshots first");
                }
                try {
                    api.deleteVolume(id, false);
                } catch (WharfException e) {
                    if (CsiErrors.is(e, ErrorCode.VOLUME_NOT_FOUND)) {
                        return Csi.DeleteVolumeResponse.getDefaultInstance();
                    }
                    if (CsiErrors.is(e, ErrorCode.VOLUME_IN_USE, ErrorCode.VOLUME_ATTACHED)) {
                        throw CsiErrors.failedPrecondition(e.getMessage());
                    }
                    throw e;
                }
                return Csi.DeleteVolumeResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void controllerPublishVolume(Csi.ControllerPublishVolumeRequest request,
                                        StreamObserver<Csi.ControllerPublishVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = requireVolumeId(request.getVolumeId());
            if (request.getNodeId().isEmpty()) {
                throw CsiErrors.invalid("node_id is required");
            }
            if (!request.hasVolumeCapability()) {
                throw CsiErrors.invalid("volume_capability is required");
            }
            AccessModes.requireSupported(List.of(request.getVolumeCapability()));
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                VolumeInfo volume = get(id);
                NodeInfo node = node(request.getNodeId());
                if (volume.attachedTo() != null && !volume.attachedTo().equals(node.id())) {
                    throw CsiErrors.failedPrecondition("volume " + id + " is published to node " + volume.attachedTo()
                            + "; a Wharf volume is attached to one node at a time");
                }
                VolumeInfo attached = api.attachVolume(id, node.id());
                return Csi.ControllerPublishVolumeResponse.newBuilder()
                        .putPublishContext("nbdUri", attached.nbdUri()).build();
            }
        });
    }

    @Override
    public void controllerUnpublishVolume(Csi.ControllerUnpublishVolumeRequest request,
                                          StreamObserver<Csi.ControllerUnpublishVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = requireVolumeId(request.getVolumeId());
            if (!CsiIds.validVolumeId(id)) {
                return Csi.ControllerUnpublishVolumeResponse.getDefaultInstance();
            }
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Optional<VolumeInfo> volume = find(id);
                boolean publishedThere = volume.isPresent() && volume.get().attachedTo() != null
                        && (request.getNodeId().isEmpty() || volume.get().attachedTo().equals(request.getNodeId()));
                if (publishedThere) {
                    api.detachVolume(id);
                }
                return Csi.ControllerUnpublishVolumeResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void validateVolumeCapabilities(Csi.ValidateVolumeCapabilitiesRequest request,
                                           StreamObserver<Csi.ValidateVolumeCapabilitiesResponse> response) {
        Rpc.reply(response, () -> {
            String id = requireVolumeId(request.getVolumeId());
            if (request.getVolumeCapabilitiesCount() == 0) {
                throw CsiErrors.invalid("volume_capabilities are required");
            }
            get(id);
            StorageClassParameters.parse(request.getParametersMap());
            for (Csi.VolumeCapability capability : request.getVolumeCapabilitiesList()) {
                Optional<String> reason = AccessModes.unsupported(capability);
                if (reason.isPresent()) {
                    return Csi.ValidateVolumeCapabilitiesResponse.newBuilder().setMessage(reason.get()).build();
                }
            }
            return Csi.ValidateVolumeCapabilitiesResponse.newBuilder()
                    .setConfirmed(Csi.ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
                            .putAllVolumeContext(request.getVolumeContextMap())
                            .addAllVolumeCapabilities(request.getVolumeCapabilitiesList())
                            .putAllParameters(request.getParametersMap()))
                    .build();
        });
    }

    @Override
    public void listVolumes(Csi.ListVolumesRequest request, StreamObserver<Csi.ListVolumesResponse> response) {
        Rpc.reply(response, () -> {
            List<VolumeInfo> volumes = api.listVolumes().stream().sorted(Comparator.comparing(VolumeInfo::name)).toList();
            Pages<VolumeInfo> page = Pages.of(volumes, request.getMaxEntries(), request.getStartingToken());
            Csi.ListVolumesResponse.Builder answer = Csi.ListVolumesResponse.newBuilder().setNextToken(page.nextToken());
            for (VolumeInfo volume : page.page()) {
                Csi.ListVolumesResponse.VolumeStatus.Builder status = Csi.ListVolumesResponse.VolumeStatus.newBuilder()
                        .setVolumeCondition(condition(volume));
                if (volume.attachedTo() != null) {
                    status.addPublishedNodeIds(volume.attachedTo());
                }
                answer.addEntries(Csi.ListVolumesResponse.Entry.newBuilder()
                        .setVolume(volume(volume, contextOf(volume), null)).setStatus(status));
            }
            return answer.build();
        });
    }

    @Override
    public void controllerGetVolume(Csi.ControllerGetVolumeRequest request,
                                    StreamObserver<Csi.ControllerGetVolumeResponse> response) {
        Rpc.reply(response, () -> {
            VolumeInfo volume = get(requireVolumeId(request.getVolumeId()));
            Csi.ControllerGetVolumeResponse.VolumeStatus.Builder status =
                    Csi.ControllerGetVolumeResponse.VolumeStatus.newBuilder().setVolumeCondition(condition(volume));
            if (volume.attachedTo() != null) {
                status.addPublishedNodeIds(volume.attachedTo());
            }
            return Csi.ControllerGetVolumeResponse.newBuilder()
                    .setVolume(volume(volume, contextOf(volume), null)).setStatus(status).build();
        });
    }

    @Override
    public void controllerExpandVolume(Csi.ControllerExpandVolumeRequest request,
                                       StreamObserver<Csi.ControllerExpandVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = requireVolumeId(request.getVolumeId());
            if (!request.hasCapacityRange()) {
                throw CsiErrors.invalid("capacity_range is required");
            }
            SizeRange size = SizeRange.of(request.getCapacityRange());
            boolean block = request.hasVolumeCapability() && request.getVolumeCapability().hasBlock();
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                VolumeInfo volume = get(id);
                if (volume.sizeBytes() < size.targetBytes()) {
                    volume = api.resizeVolume(id, size.targetBytes()); // published or not: ONLINE expansion
                }
                // A filesystem always grows on the node (now if published, else after its next stage);
                // a raw block device only while published: a later stage gives it the new size anyway.
                boolean nodeExpansion = !block || volume.attachedTo() != null;
                return Csi.ControllerExpandVolumeResponse.newBuilder().setCapacityBytes(volume.sizeBytes())
                        .setNodeExpansionRequired(nodeExpansion).build();
            }
        });
    }

    @Override
    public void getCapacity(Csi.GetCapacityRequest request, StreamObserver<Csi.GetCapacityResponse> response) {
        Rpc.reply(response, () -> {
            for (Csi.VolumeCapability capability : request.getVolumeCapabilitiesList()) {
                if (AccessModes.unsupported(capability).isPresent()) {
                    return Csi.GetCapacityResponse.newBuilder().setAvailableCapacity(0).build();
                }
            }
            StorageClassParameters parameters = StorageClassParameters.parse(request.getParametersMap());
            Map<String, Double> ratios = new java.util.HashMap<>();
            for (PoolInfo pool : api.listPools()) {
                ratios.put(pool.node(), pool.overcommitRatio());
            }
            long total = 0;
            long largest = 0;
            for (NodeInfo node : api.listNodes()) {
                boolean eligible = "online".equals(node.state()) && !node.maintenance() && ratios.containsKey(node.id())
                        && (parameters.zones().isEmpty() || parameters.zones().contains(node.zone()))
                        && (!request.hasAccessibleTopology() || NodeMatch.matches(node, request.getAccessibleTopology()));
                if (eligible) {
                    long room = Math.max(0, (long) (node.capacityBytes() * ratios.get(node.id())) - node.provisionedBytes());
                    total += room;
                    largest = Math.max(largest, room);
                }
            }
            return Csi.GetCapacityResponse.newBuilder().setAvailableCapacity(total)
                    .setMaximumVolumeSize(Int64Value.of(Math.min(largest, SizeRange.MAX_BYTES)))
                    .setMinimumVolumeSize(Int64Value.of(SizeRange.BLOCK_BYTES)).build();
        });
    }

    // ---- snapshots ----

    @Override
    public void createSnapshot(Csi.CreateSnapshotRequest request, StreamObserver<Csi.CreateSnapshotResponse> response) {
        Rpc.reply(response, () -> {
            if (request.getName().isEmpty()) {
                throw CsiErrors.invalid("name is required");
            }
            String source = requireVolumeId(request.getSourceVolumeId());
            for (String key : request.getParametersMap().keySet()) {
                if (!key.startsWith(StorageClassParameters.PROVISIONER_PREFIX)) {
                    throw CsiErrors.invalid("unknown VolumeSnapshotClass parameter '" + key + "'; Wharf takes none");
                }
            }
            String name = CsiIds.snapshotName(request.getName());
            try (OperationLocks.Held _ = locks.acquire("snapshot/" + name)) {
                Optional<SnapshotInfo> existing = api.listSnapshots(null).stream().filter(s -> s.name().equals(name))
                        .findFirst();
                if (existing.isPresent() && !existing.get().volume().equals(source)) {
                    throw CsiErrors.alreadyExists("snapshot name " + request.getName() + " is taken by a snapshot of volume "
                            + existing.get().volume());
                }
                SnapshotInfo snapshot = existing.isPresent() ? existing.get() : take(source, name);
                return Csi.CreateSnapshotResponse.newBuilder().setSnapshot(snapshot(snapshot)).build();
            }
        });
    }

    private SnapshotInfo take(String volume, String name) {
        if (!CsiIds.validVolumeId(volume)) {
            throw CsiErrors.notFound("source volume " + volume + " does not exist");
        }
        try (OperationLocks.Held _ = locks.acquire("volume/" + volume)) {
            get(volume);
            try {
                return api.createSnapshot(volume, name);
            } catch (WharfException e) {
                if (CsiErrors.is(e, ErrorCode.SNAPSHOT_EXISTS)) {
                    return api.getSnapshot(volume, name);
                }
                throw e;
            }
        }
    }

    @Override
    public void deleteSnapshot(Csi.DeleteSnapshotRequest request, StreamObserver<Csi.DeleteSnapshotResponse> response) {
        Rpc.reply(response, () -> {
            if (request.getSnapshotId().isEmpty()) {
                throw CsiErrors.invalid("snapshot_id is required");
            }
            Optional<String[]> id = CsiIds.parseSnapshotId(request.getSnapshotId());
            if (id.isEmpty()) {
                return Csi.DeleteSnapshotResponse.getDefaultInstance();
            }
            try (OperationLocks.Held _ = locks.acquire("snapshot/" + id.get()[1])) {
                api.deleteSnapshot(id.get()[0], id.get()[1]);
            } catch (WharfException e) {
                if (!CsiErrors.is(e, ErrorCode.SNAPSHOT_NOT_FOUND, ErrorCode.VOLUME_NOT_FOUND)) {
                    throw e;
                }
            }
            return Csi.DeleteSnapshotResponse.getDefaultInstance();
        });
    }

    @Override
    public void listSnapshots(Csi.ListSnapshotsRequest request, StreamObserver<Csi.ListSnapshotsResponse> response) {
        Rpc.reply(response, () -> {
            List<SnapshotInfo> snapshots = snapshotsMatching(request.getSnapshotId(), request.getSourceVolumeId()).stream()
                    .sorted(Comparator.comparing((SnapshotInfo s) -> s.volume()).thenComparing(SnapshotInfo::name))
                    .toList();
            Pages<SnapshotInfo> page = Pages.of(snapshots, request.getMaxEntries(), request.getStartingToken());
            Csi.ListSnapshotsResponse.Builder answer = Csi.ListSnapshotsResponse.newBuilder().setNextToken(page.nextToken());
            page.page().forEach(s -> answer.addEntries(Csi.ListSnapshotsResponse.Entry.newBuilder().setSnapshot(snapshot(s))));
            return answer.build();
        });
    }

    private List<SnapshotInfo> snapshotsMatching(String snapshotId, String sourceVolume) {
        try {
            if (!snapshotId.isEmpty()) {
                Optional<String[]> id = CsiIds.parseSnapshotId(snapshotId);
                if (id.isEmpty() || (!sourceVolume.isEmpty() && !sourceVolume.equals(id.get()[0]))) {
                    return List.of();
                }
                return List.of(api.getSnapshot(id.get()[0], id.get()[1]));
            }
            if (!sourceVolume.isEmpty()) {
                return CsiIds.validVolumeId(sourceVolume) ? api.listSnapshots(sourceVolume) : List.of();
            }
            return api.listSnapshots(null);
        } catch (WharfException e) {
            if (CsiErrors.is(e, ErrorCode.SNAPSHOT_NOT_FOUND, ErrorCode.VOLUME_NOT_FOUND)) {
                return List.of();
            }
            throw e;
        }
    }

    // ---- helpers ----

    private static String requireVolumeId(String id) {
        if (id.isEmpty()) {
            throw CsiErrors.invalid("volume_id is required");
        }
        return id;
    }

    private Optional<VolumeInfo> find(String name) {
        return VolumeProvisioner.find(api, name);
    }

    private VolumeInfo get(String id) {
        return find(id).orElseThrow(() -> CsiErrors.notFound("volume " + id + " does not exist"));
    }

    private NodeInfo node(String id) {
        try {
            return api.getNode(id);
        } catch (WharfException e) {
            if (CsiErrors.is(e, ErrorCode.NODE_NOT_FOUND, ErrorCode.INVALID_NAME)) {
                throw CsiErrors.notFound("node " + id + " is not a Wharf node");
            }
            throw e;
        }
    }

    /** The volume as CSI shows it; accessible from its data node's zone when that node has one. */
    private Csi.Volume volume(VolumeInfo volume, Map<String, String> context, Csi.VolumeContentSource source) {
        Csi.Volume.Builder answer = Csi.Volume.newBuilder().setVolumeId(volume.name())
                .setCapacityBytes(volume.sizeBytes()).putAllVolumeContext(context);
        if (source != null) {
            answer.setContentSource(source);
        }
        zoneOf(volume.node()).ifPresent(zone -> answer.addAccessibleTopology(
                Csi.Topology.newBuilder().putSegments(Topology.ZONE, zone)));
        return answer.build();
    }

    private Optional<String> zoneOf(String node) {
        if (node == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(api.getNode(node).zone());
        } catch (WharfException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> contextOf(VolumeInfo volume) {
        String fs = volume.labels().get(VolumeProvisioner.FS_LABEL);
        return fs == null ? Map.of() : Map.of("fs", fs);
    }

    private static Csi.VolumeCondition condition(VolumeInfo volume) {
        boolean abnormal = "unavailable".equals(volume.state());
        return Csi.VolumeCondition.newBuilder().setAbnormal(abnormal)
                .setMessage(abnormal ? "the node holding the volume's data (" + volume.node() + ") is offline"
                        : "volume is " + volume.state() + " on node " + volume.node()).build();
    }

    private static Csi.Snapshot snapshot(SnapshotInfo snapshot) {
        Instant created = snapshot.createdAt() == null ? Instant.EPOCH : Instant.parse(snapshot.createdAt());
        return Csi.Snapshot.newBuilder()
                .setSnapshotId(CsiIds.snapshotId(snapshot.volume(), snapshot.name()))
                .setSourceVolumeId(snapshot.volume())
                .setSizeBytes(snapshot.sizeBytes())
                .setCreationTime(Timestamp.newBuilder().setSeconds(created.getEpochSecond()).setNanos(created.getNano()))
                .setReadyToUse(!SnapshotInfo.LOST.equals(snapshot.state()))
                .build();
    }
}
