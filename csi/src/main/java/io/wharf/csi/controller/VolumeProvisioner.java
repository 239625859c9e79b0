package io.wharf.csi.controller;

import csi.v1.Csi;
import io.wharf.api.NodeInfo;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeUpdate;
import io.wharf.api.WharfApi;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.csi.CsiErrors;
import io.wharf.csi.CsiIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * CreateVolume's work: makes the volume (empty, or a clone of a snapshot or volume, grown to the
 * size asked), or finds the one an earlier call made and checks it is what this call asks for.
 * A retried call continues where the last one stopped: a clone that was made but not yet grown
 * is grown.
 */
final class VolumeProvisioner {
    /** Label with the filesystem NodeStage makes, so ListVolumes reports the same volume context. */
    static final String FS_LABEL = "csi.wharf.io/fs";
    private final WharfApi api;

    VolumeProvisioner(WharfApi api) {
        this.api = api;
    }

    /** What a volume is made from: its {@code VolumeInfo.source} text and size. */
    private record Source(String volume, String snapshot, long sizeBytes) {
        String text() {
            return snapshot == null ? volume : volume + "@" + snapshot;
        }
    }

    VolumeInfo ensure(String name, Csi.CreateVolumeRequest request, StorageClassParameters parameters, SizeRange size) {
        Source source = request.hasVolumeContentSource() ? source(request.getVolumeContentSource()) : null;
        long target = size.targetBytes();
        if (source != null) {
            if (size.limitBytes() > 0 && source.sizeBytes() > size.limitBytes()) {
                throw CsiErrors.outOfRange("the source has " + source.sizeBytes() + " bytes, more than limit_bytes "
                        + size.limitBytes());
            }
            // no size asked: the source's size; else at least what was asked
            target = request.getCapacityRange().getRequiredBytes() == 0 ? source.sizeBytes()
                    : Math.max(target, source.sizeBytes());
        }
        Map<String, String> labels = new LinkedHashMap<>(parameters.volumeLabels());
        if (parameters.fs() != null) {
            labels.put(FS_LABEL, parameters.fs());
        }
        Optional<VolumeInfo> existing = find(api, name);
        VolumeInfo volume = existing.isPresent() ? reuse(existing.get(), parameters, target, size.limitBytes(), source)
                : source == null ? createEmpty(name, target, labels, parameters, request.getAccessibilityRequirements())
                : clone(name, source, labels, parameters);
        if (volume.sizeBytes() < target) {
            volume = api.resizeVolume(name, target);
        }
        return volume;
    }

    private Source source(Csi.VolumeContentSource content) {
        try {
            return switch (content.getTypeCase()) {
                case SNAPSHOT -> {
                    String id = content.getSnapshot().getSnapshotId();
                    String[] parts = CsiIds.parseSnapshotId(id)
                            .orElseThrow(() -> CsiErrors.notFound("snapshot " + id + " does not exist"));
                    SnapshotInfo snapshot = api.getSnapshot(parts[0], parts[1]);
                    yield new Source(parts[0], parts[1], snapshot.sizeBytes());
                }
                case VOLUME -> {
                    String id = content.getVolume().getVolumeId();
                    VolumeInfo volume = find(api, id).orElseThrow(() -> CsiErrors.notFound("volume " + id + " does not exist"));
                    yield new Source(volume.name(), null, volume.sizeBytes());
                }
                case TYPE_NOT_SET -> throw CsiErrors.invalid("volume_content_source names neither a snapshot nor a volume");
            };
        } catch (WharfException e) {
            if (CsiErrors.is(e, ErrorCode.SNAPSHOT_NOT_FOUND, ErrorCode.VOLUME_NOT_FOUND, ErrorCode.INVALID_NAME)) {
                throw CsiErrors.notFound(e.getMessage());
            }
            throw e;
        }
    }

    /**
     * The volume an earlier call made, if it is what this call asks for; else ALREADY_EXISTS. A
     * clone smaller than asked is one whose growing was interrupted: the caller grows it.
     */
    private VolumeInfo reuse(VolumeInfo volume, StorageClassParameters parameters, long target, long limit,
                             Source source) {
        String name = volume.name();
        if (!parameters.fingerprint().equals(volume.labels().get(StorageClassParameters.FINGERPRINT_LABEL))) {
            throw CsiErrors.alreadyExists("volume " + name + " exists with other parameters (or was not made by CSI)");
        }
        if (!Objects.equals(volume.source(), source == null ? null : source.text())) {
            throw CsiErrors.alreadyExists("volume " + name + " exists with another content source (" + volume.source() + ")");
        }
        boolean tooSmall = volume.sizeBytes() < target && source == null;
        if (tooSmall || (limit > 0 && volume.sizeBytes() > limit)) {
            throw CsiErrors.alreadyExists("volume " + name + " exists with " + volume.sizeBytes() + " bytes, outside"
                    + " the capacity range asked for");
        }
        return volume;
    }

    private VolumeInfo createEmpty(String name, long sizeBytes, Map<String, String> labels,
                                   StorageClassParameters parameters, Csi.TopologyRequirement topology) {
        List<List<String>> candidates = placements(topology);
        WharfException last = null;
        for (List<String> nodes : candidates) {
            try {
                // A replicated volume is reachable from every node (attach anywhere): topology pins no node for it.
                return api.createVolume(new VolumeCreate(name, sizeBytes, labels, parameters.snapshotSchedule(), null,
                        parameters.repl() > 1 ? List.of() : nodes, parameters.zones(), null, parameters.repl()));
            } catch (WharfException e) {
                if (CsiErrors.is(e, ErrorCode.VOLUME_EXISTS)) {
                    return find(api, name).orElseThrow(() -> e);
                }
                if (!CsiErrors.is(e, ErrorCode.PLACEMENT_FAILED, ErrorCode.CAPACITY_EXCEEDED, ErrorCode.NO_SPACE)) {
                    throw e;
                }
                last = e;
            }
        }
        throw CsiErrors.status(io.grpc.Status.Code.RESOURCE_EXHAUSTED, last == null
                ? "no Wharf node lies in the requested topology" : last.getMessage());
    }

    /**
     * The node sets to try, in order: each preferred topology's nodes (inside the requisite ones),
     * then all requisite nodes. No requirement: one try with any node (empty list).
     */
    private List<List<String>> placements(Csi.TopologyRequirement topology) {
        if (topology.getRequisiteCount() == 0 && topology.getPreferredCount() == 0) {
            return List.of(List.of());
        }
        List<NodeInfo> nodes = api.listNodes();
        Set<String> allowed = new LinkedHashSet<>();
        for (NodeInfo node : nodes) {
            if (topology.getRequisiteCount() == 0
                    || topology.getRequisiteList().stream().anyMatch(t -> NodeMatch.matches(node, t))) {
                allowed.add(node.id());
            }
        }
        List<List<String>> candidates = new ArrayList<>();
        for (Csi.Topology preferred : topology.getPreferredList()) {
            List<String> matching = nodes.stream().filter(n -> allowed.contains(n.id()) && NodeMatch.matches(n, preferred))
                    .map(NodeInfo::id).toList();
            if (!matching.isEmpty()) {
                candidates.add(matching);
            }
        }
        if (topology.getRequisiteCount() > 0 && !allowed.isEmpty()) {
            candidates.add(List.copyOf(allowed));
        } else if (topology.getRequisiteCount() == 0) {
            candidates.add(List.of());
        }
        return candidates;
    }

    private VolumeInfo clone(String name, Source source, Map<String, String> labels, StorageClassParameters parameters) {
        VolumeInfo clone;
        try {
            clone = api.cloneVolume(source.volume(), source.snapshot(), name, labels);
        } catch (WharfException e) {
            if (!CsiErrors.is(e, ErrorCode.VOLUME_EXISTS)) {
                throw e;
            }
            clone = find(api, name).orElseThrow(() -> e);
        }
        if (parameters.snapshotSchedule() != null) {
            clone = api.updateVolume(name, new VolumeUpdate(parameters.snapshotSchedule(), null));
        }
        return clone;
    }

    static Optional<VolumeInfo> find(WharfApi api, String name) {
        if (!CsiIds.validVolumeId(name)) {
            return Optional.empty();
        }
        try {
            return Optional.of(api.getVolume(name));
        } catch (WharfException e) {
            if (CsiErrors.is(e, ErrorCode.VOLUME_NOT_FOUND, ErrorCode.NOT_FOUND)) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
