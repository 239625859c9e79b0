package io.wharf.csi.node;

import csi.v1.Csi;
import csi.v1.NodeGrpc;
import io.grpc.stub.StreamObserver;
import io.wharf.api.NodeInfo;
import io.wharf.api.VolumeInfo;
import io.wharf.api.WharfApi;
import io.wharf.cli.mount.CommandRunner;
import io.wharf.cli.mount.Filesystem;
import io.wharf.cli.mount.LocalMounter;
import io.wharf.cli.mount.MountRecord;
import io.wharf.cli.mount.MountRequest;
import io.wharf.cli.mount.MountTable;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.csi.AccessModes;
import io.wharf.csi.CsiConfig;
import io.wharf.csi.CsiErrors;
import io.wharf.csi.CsiIds;
import io.wharf.csi.OperationLocks;
import io.wharf.csi.Rpc;
import io.wharf.csi.Topology;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Node service. NodeStage attaches the volume's growable NBD export ({@code volume+growable})
 * under a loop device limited to the volume's size and, for a mount volume, makes a filesystem if
 * the volume is blank and mounts it at the staging path: all of it {@link LocalMounter}, the code
 * behind {@code wharf volume mount}, which records every step and undoes exactly what it did.
 * NodePublish bind-mounts the staged filesystem (or the device, for a raw block volume) at the
 * target; NodeUnpublish and NodeUnstage undo it, leaving no mount, loop device, FUSE mount or
 * nbdfuse process behind. NodeExpandVolume raises the loop device's limit once the volume has
 * grown and grows the mounted filesystem: online expansion.
 */
public final class NodeService extends NodeGrpc.NodeImplBase {
    private static final Logger log = LoggerFactory.getLogger(NodeService.class);
    /** Wharf's block size: volume sizes are multiples of it. */
    private static final long BLOCK_BYTES = 4096;
    /** The largest volume Wharf makes (8 TiB), the ceiling of a growable export too. */
    private static final long MAX_VOLUME_BYTES = 8L << 40;

    private final CsiConfig config;
    private final WharfApi api;
    private final LocalMounter mounter;
    private final OperationLocks locks;
    private final Publications publications;
    private final CommandRunner commands;

    public NodeService(CsiConfig config, WharfApi api, LocalMounter mounter, OperationLocks locks) {
        this.config = config;
        this.api = api;
        this.mounter = mounter;
        this.locks = locks;
        this.publications = new Publications(config.stateDir().resolve("publications"));
        this.commands = new CommandRunner(config.stepTimeout());
    }

    @Override
    public void nodeGetCapabilities(Csi.NodeGetCapabilitiesRequest request,
                                    StreamObserver<Csi.NodeGetCapabilitiesResponse> response) {
        Rpc.reply(response, () -> {
            Csi.NodeGetCapabilitiesResponse.Builder answer = Csi.NodeGetCapabilitiesResponse.newBuilder();
            for (Csi.NodeServiceCapability.RPC.Type type : List.of(Csi.NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
                    Csi.NodeServiceCapability.RPC.Type.GET_VOLUME_STATS, Csi.NodeServiceCapability.RPC.Type.EXPAND_VOLUME,
                    Csi.NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
                    Csi.NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER)) {
                answer.addCapabilities(Csi.NodeServiceCapability.newBuilder()
                        .setRpc(Csi.NodeServiceCapability.RPC.newBuilder().setType(type)));
            }
            return answer.build();
        });
    }

    @Override
    public void nodeGetInfo(Csi.NodeGetInfoRequest request, StreamObserver<Csi.NodeGetInfoResponse> response) {
        Rpc.reply(response, () -> {
            Csi.Topology.Builder topology = Csi.Topology.newBuilder().putSegments(Topology.NODE, config.nodeId());
            NodeInfo node = api.getNode(config.nodeId());
            if (node.zone() != null) {
                topology.putSegments(Topology.ZONE, node.zone());
            }
            if (node.rack() != null) {
                topology.putSegments(Topology.RACK, node.rack());
            }
            return Csi.NodeGetInfoResponse.newBuilder().setNodeId(config.nodeId()).setAccessibleTopology(topology).build();
        });
    }

    // ---- stage ----

    @Override
    public void nodeStageVolume(Csi.NodeStageVolumeRequest request, StreamObserver<Csi.NodeStageVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = required(request.getVolumeId(), "volume_id");
            Path staging = Path.of(required(request.getStagingTargetPath(), "staging_target_path"));
            if (!request.hasVolumeCapability()) {
                throw CsiErrors.invalid("volume_capability is required");
            }
            Csi.VolumeCapability capability = request.getVolumeCapability();
            AccessModes.unsupported(capability).ifPresent(reason -> {
                throw CsiErrors.failedPrecondition(reason);
            });
            boolean block = capability.hasBlock();
            Filesystem filesystem = block ? null : filesystem(capability, request.getVolumeContextMap().get("fs"));
            List<String> options = stageOptions(capability);
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Optional<MountRecord> staged = mounter.mountAt(staging);
                if (staged.isPresent()) {
                    requireCompatible(staged.get(), id, block, filesystem, options);
                    return Csi.NodeStageVolumeResponse.getDefaultInstance();
                }
                VolumeInfo volume = volume(id);
                String nbdUri = request.getPublishContextMap().getOrDefault("nbdUri", volume.nbdUri());
                MountRecord record = mounter.mount(new MountRequest(id, URI.create(nbdUri), volume.sizeBytes(), staging,
                        filesystem, options, block, true));
                log.atInfo().addKeyValue("volume", id).addKeyValue("staging", staging).addKeyValue("device", record.device())
                        .addKeyValue("filesystem", record.filesystem()).log("volume staged");
                if (!block && volume.source() != null) {
                    growIfSmaller(record);
                }
                return Csi.NodeStageVolumeResponse.getDefaultInstance();
            }
        });
    }

    private static Filesystem filesystem(Csi.VolumeCapability capability, String fromContext) {
        String fs = capability.getMount().getFsType();
        if (fs.isEmpty()) {
            fs = fromContext;
        }
        return fs == null || fs.isEmpty() ? null : Filesystem.parse(fs);
    }

    private static List<String> stageOptions(Csi.VolumeCapability capability) {
        List<String> options = new ArrayList<>(capability.hasMount() ? capability.getMount().getMountFlagsList() : List.of());
        if (AccessModes.readOnly(capability.getAccessMode().getMode()) && !options.contains("ro")) {
            options.add("ro");
        }
        return options;
    }

    private static void requireCompatible(MountRecord staged, String id, boolean block, Filesystem filesystem,
                                          List<String> options) {
        boolean same = staged.volume().equals(id) && staged.blockOnly() == block
                && (filesystem == null || block || filesystem.type().equals(staged.filesystem()))
                && (block || staged.options().equals(options));
        if (!same) {
            throw CsiErrors.alreadyExists("staging path " + staged.path() + " already holds volume " + staged.volume()
                    + (staged.blockOnly() ? " as a block device" : " with " + staged.filesystem() + " " + staged.options()));
        }
    }

    @Override
    public void nodeUnstageVolume(Csi.NodeUnstageVolumeRequest request,
                                  StreamObserver<Csi.NodeUnstageVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = required(request.getVolumeId(), "volume_id");
            Path staging = Path.of(required(request.getStagingTargetPath(), "staging_target_path"));
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Optional<MountRecord> staged = mounter.mountAt(staging);
                if (staged.isEmpty() || !staged.get().volume().equals(id)) {
                    return Csi.NodeUnstageVolumeResponse.getDefaultInstance();
                }
                List<Publication> published = publications.ofVolume(id);
                if (!published.isEmpty()) {
                    throw CsiErrors.failedPrecondition("volume " + id + " is still published at "
                            + published.stream().map(Publication::targetPath).toList() + "; unpublish it first");
                }
                mounter.unmount(staging);
                log.atInfo().addKeyValue("volume", id).addKeyValue("staging", staging).log("volume unstaged");
                return Csi.NodeUnstageVolumeResponse.getDefaultInstance();
            }
        });
    }

    // ---- publish ----

    @Override
    public void nodePublishVolume(Csi.NodePublishVolumeRequest request,
                                  StreamObserver<Csi.NodePublishVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = required(request.getVolumeId(), "volume_id");
            Path target = Path.of(required(request.getTargetPath(), "target_path"));
            if (!request.hasVolumeCapability()) {
                throw CsiErrors.invalid("volume_capability is required");
            }
            Csi.VolumeCapability capability = request.getVolumeCapability();
            AccessModes.unsupported(capability).ifPresent(reason -> {
                throw CsiErrors.failedPrecondition(reason);
            });
            Path staging = Path.of(required(request.getStagingTargetPath(), "staging_target_path"));
            boolean readOnly = request.getReadonly() || AccessModes.readOnly(capability.getAccessMode().getMode());
            Publication asked = new Publication(id, target.toString(), staging.toString(), capability.hasBlock(), readOnly,
                    capability.hasMount() ? capability.getMount().getMountFlagsList() : List.of(),
                    capability.getAccessMode().getMode().name());
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Optional<Publication> existing = publications.at(target);
                if (existing.isPresent()) {
                    if (!existing.get().sameAs(asked)) {
                        throw CsiErrors.alreadyExists(target + " is already published with other arguments");
                    }
                    return Csi.NodePublishVolumeResponse.getDefaultInstance();
                }
                volume(id);
                MountRecord staged = mounter.mountAt(staging).filter(r -> r.volume().equals(id))
                        .orElseThrow(() -> CsiErrors.failedPrecondition("volume " + id + " is not staged at " + staging));
                if (staged.blockOnly() != asked.block()) {
                    throw CsiErrors.failedPrecondition("volume " + id + " is staged as "
                            + (staged.blockOnly() ? "a block device" : "a filesystem") + ", not as asked");
                }
                if (capability.getAccessMode().getMode() == Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_SINGLE_WRITER
                        && !publications.ofVolume(id).isEmpty()) {
                    throw CsiErrors.failedPrecondition("volume " + id + " is SINGLE_NODE_SINGLE_WRITER and already published at "
                            + publications.ofVolume(id).getFirst().targetPath());
                }
                publications.save(asked);
                try {
                    bindMount(asked, staged);
                } catch (RuntimeException e) {
                    undoPublish(target);
                    throw e;
                }
                log.atInfo().addKeyValue("volume", id).addKeyValue("target", target).addKeyValue("readOnly", readOnly)
                        .log("volume published");
                return Csi.NodePublishVolumeResponse.getDefaultInstance();
            }
        });
    }

    private void bindMount(Publication publication, MountRecord staged) {
        Path target = Path.of(publication.targetPath());
        try {
            if (publication.block()) {
                if (!Files.exists(target)) {
                    Files.createFile(target);
                }
                commands.runChecked("mount", "--bind", staged.device(), target.toString());
            } else {
                Files.createDirectories(target);
                commands.runChecked("mount", "--bind", publication.stagingPath(), target.toString());
            }
        } catch (IOException e) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot create " + target + ": " + e.getMessage(),
                    "check that its parent directory exists and is writable", e);
        }
        List<String> remount = new ArrayList<>(List.of("remount", "bind"));
        if (publication.readOnly()) {
            remount.add("ro");
        }
        remount.addAll(publication.mountFlags());
        if (remount.size() > 2) {
            commands.runChecked("mount", "-o", String.join(",", remount), target.toString());
        }
    }

    @Override
    public void nodeUnpublishVolume(Csi.NodeUnpublishVolumeRequest request,
                                    StreamObserver<Csi.NodeUnpublishVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = required(request.getVolumeId(), "volume_id");
            Path target = Path.of(required(request.getTargetPath(), "target_path"));
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Optional<Publication> publication = publications.at(target);
                if (publication.isPresent() && !publication.get().volumeId().equals(id)) {
                    throw CsiErrors.notFound(target + " holds volume " + publication.get().volumeId() + ", not " + id);
                }
                if (publication.isPresent() || MountTable.isMountPoint(target)) {
                    undoPublish(target);
                    log.atInfo().addKeyValue("volume", id).addKeyValue("target", target).log("volume unpublished");
                }
                return Csi.NodeUnpublishVolumeResponse.getDefaultInstance();
            }
        });
    }

    /** Unmounts the target (every layer of it), removes what the publish created, forgets it. */
    private void undoPublish(Path target) {
        while (MountTable.isMountPoint(target)) {
            commands.runChecked("umount", target.toString());
        }
        try {
            Files.deleteIfExists(target);
        } catch (IOException e) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot remove " + target + ": " + e.getMessage(),
                    "check what was written under it while it was unmounted", e);
        }
        publications.delete(target);
    }

    // ---- stats and expansion ----

    @Override
    public void nodeGetVolumeStats(Csi.NodeGetVolumeStatsRequest request,
                                   StreamObserver<Csi.NodeGetVolumeStatsResponse> response) {
        Rpc.reply(response, () -> {
            String id = required(request.getVolumeId(), "volume_id");
            Path path = Path.of(required(request.getVolumePath(), "volume_path"));
            Located located = locate(id, path);
            VolumeHealth health = VolumeHealth.of(located.staged(), path, located.block());
            Csi.NodeGetVolumeStatsResponse.Builder answer = Csi.NodeGetVolumeStatsResponse.newBuilder()
                    .setVolumeCondition(Csi.VolumeCondition.newBuilder().setAbnormal(health.abnormal())
                            .setMessage(health.message()));
            if (located.block()) {
                long size = DeviceSize.bytes(located.staged().device());
                answer.addUsage(Csi.VolumeUsage.newBuilder().setUnit(Csi.VolumeUsage.Unit.BYTES).setTotal(size));
            } else if (!health.abnormal()) {
                FilesystemStats stats = FilesystemStats.of(commands, path);
                answer.addUsage(Csi.VolumeUsage.newBuilder().setUnit(Csi.VolumeUsage.Unit.BYTES)
                        .setTotal(stats.totalBytes()).setUsed(stats.usedBytes()).setAvailable(stats.availableBytes()));
                answer.addUsage(Csi.VolumeUsage.newBuilder().setUnit(Csi.VolumeUsage.Unit.INODES)
                        .setTotal(stats.totalInodes()).setUsed(stats.usedInodes()).setAvailable(stats.freeInodes()));
            }
            return answer.build();
        });
    }

    /**
     * Grows the volume's device on this node to the volume's size, then its filesystem, while both
     * are in use: the staging's loop device over the growable export gets a higher size limit
     * ({@link LocalMounter#grow}), then {@code resize2fs} (ext4) or {@code xfs_growfs} (xfs) grows
     * the mounted filesystem; a raw block volume stops at the device. Idempotent: what already has
     * the size is left alone. Volumes never shrink: a capacity below the device's is OUT_OF_RANGE.
     */
    @Override
    public void nodeExpandVolume(Csi.NodeExpandVolumeRequest request, StreamObserver<Csi.NodeExpandVolumeResponse> response) {
        Rpc.reply(response, () -> {
            String id = required(request.getVolumeId(), "volume_id");
            Path path = Path.of(required(request.getVolumePath(), "volume_path"));
            long required = request.getCapacityRange().getRequiredBytes();
            long limit = request.getCapacityRange().getLimitBytes();
            if (required < 0 || limit < 0) {
                throw CsiErrors.invalid("capacity range must not be negative");
            }
            if ((limit > 0 && required > limit) || required > MAX_VOLUME_BYTES) {
                throw CsiErrors.outOfRange("capacity range [" + required + ", " + limit + "] cannot be met: volumes are"
                        + " at most " + MAX_VOLUME_BYTES + " bytes");
            }
            try (OperationLocks.Held _ = locks.acquire("volume/" + id)) {
                Located located = locate(id, path);
                MountRecord staged = located.staged();
                long volumeBytes = volume(id).sizeBytes();
                long wanted = required == 0 ? volumeBytes : roundUpToBlock(required);
                long deviceBytes = DeviceSize.bytes(staged.device());
                if (wanted < deviceBytes || (limit > 0 && limit < deviceBytes)) {
                    throw CsiErrors.outOfRange("volume " + id + " already has " + deviceBytes + " bytes on this node;"
                            + " capacity range [" + required + ", " + limit + "] would shrink it, and volumes do not shrink");
                }
                if (wanted > volumeBytes) {
                    throw CsiErrors.failedPrecondition("volume " + id + " has " + volumeBytes + " bytes, less than the "
                            + required + " asked: ControllerExpandVolume grows the volume first");
                }
                if (deviceBytes < volumeBytes) {
                    deviceBytes = growDevice(staged, volumeBytes);
                }
                if (!located.block()) {
                    growFilesystemIfSmaller(staged, deviceBytes);
                }
                return Csi.NodeExpandVolumeResponse.newBuilder().setCapacityBytes(deviceBytes).build();
            }
        });
    }

    /** Raises the staging's device to {@code volumeBytes}; returns the device's size after. */
    private long growDevice(MountRecord staged, long volumeBytes) {
        if (!staged.growable()) {
            throw CsiErrors.failedPrecondition("volume " + staged.volume() + " was staged at " + staged.path()
                    + " with a device of fixed size (by a plugin older than online expansion); unstage and stage it again"
                    + " (stop the pods using it), and its device has the new size");
        }
        mounter.grow(Path.of(staged.path()), volumeBytes);
        long deviceBytes = DeviceSize.bytes(staged.device());
        log.atInfo().addKeyValue("volume", staged.volume()).addKeyValue("device", staged.device())
                .addKeyValue("sizeBytes", deviceBytes).log("volume device grown");
        return deviceBytes;
    }

    /** Grows the mounted filesystem when it is smaller than its device by a block or more. */
    private void growFilesystemIfSmaller(MountRecord staged, long deviceBytes) {
        if (FilesystemSize.of(commands, staged.filesystem(), staged.device(), Path.of(staged.path()))
                .smallerThan(deviceBytes)) {
            growFilesystem(staged);
        }
    }

    private static long roundUpToBlock(long bytes) {
        return (bytes + BLOCK_BYTES - 1) / BLOCK_BYTES * BLOCK_BYTES;
    }

    /**
     * After staging a restored or cloned volume: a filesystem smaller than its device (the volume
     * was made larger than its source) is grown now, mounted, as the spec asks of a larger clone;
     * Kubernetes calls NodeExpandVolume only for volumes grown after they were made. Best effort:
     * when it cannot be grown here the volume is still usable at its source's size.
     */
    private void growIfSmaller(MountRecord staged) {
        try {
            long deviceBytes = DeviceSize.bytes(staged.device());
            if (FilesystemSize.of(commands, staged.filesystem(), staged.device(), Path.of(staged.path()))
                    .smallerThan(deviceBytes)) {
                growFilesystem(staged);
            }
        } catch (WharfException e) {
            log.atWarn().addKeyValue("volume", staged.volume()).addKeyValue("error", e.getMessage())
                    .log("filesystem smaller than its volume was not grown at stage");
        }
    }

    /** Grows the mounted filesystem to the device's size, online; a filesystem that already fills it is left alone. */
    private void growFilesystem(MountRecord staged) {
        switch (staged.filesystem()) {
            case "ext4" -> {
                CommandRunner.Result result = commands.run("resize2fs", staged.device());
                if (!result.succeeded()) {
                    throw new WharfException(result.stderr().contains("Permission denied") ? ErrorCode.PERMISSION_DENIED
                            : ErrorCode.MOUNT_FAILED, result.failure(), "growing a mounted ext4 filesystem needs"
                            + " CAP_SYS_RESOURCE: run the node plugin privileged (deploy/ does)");
                }
            }
            case "xfs" -> commands.runChecked("xfs_growfs", staged.path());
            default -> throw CsiErrors.failedPrecondition("cannot grow a " + staged.filesystem() + " filesystem");
        }
        log.atInfo().addKeyValue("volume", staged.volume()).addKeyValue("filesystem", staged.filesystem())
                .log("filesystem grown");
    }

    /** Where a volume is on this node: its staging record, found from a staging or a target path. */
    private record Located(MountRecord staged, boolean block) {}

    private Located locate(String id, Path path) {
        if (!CsiIds.validVolumeId(id)) {
            throw CsiErrors.notFound("volume " + id + " does not exist");
        }
        Optional<MountRecord> staged = mounter.mountAt(path).filter(r -> r.volume().equals(id));
        if (staged.isEmpty()) {
            Optional<Publication> publication = publications.at(path).filter(p -> p.volumeId().equals(id));
            if (publication.isPresent()) {
                staged = mounter.mountAt(Path.of(publication.get().stagingPath())).filter(r -> r.volume().equals(id));
            }
        }
        if (staged.isEmpty() || !Files.exists(path)) {
            throw CsiErrors.notFound("volume " + id + " is not staged or published at " + path + " on this node");
        }
        return new Located(staged.get(), staged.get().blockOnly());
    }

    private VolumeInfo volume(String id) {
        if (!CsiIds.validVolumeId(id)) {
            throw CsiErrors.notFound("volume " + id + " does not exist");
        }
        try {
            return api.getVolume(id);
        } catch (WharfException e) {
            if (CsiErrors.is(e, ErrorCode.VOLUME_NOT_FOUND)) {
                throw CsiErrors.notFound("volume " + id + " does not exist");
            }
            throw e;
        }
    }

    private static String required(String value, String field) {
        if (value.isEmpty()) {
            throw CsiErrors.invalid(field + " is required");
        }
        return value;
    }
}
