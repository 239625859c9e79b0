package io.wharf.csi;

import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import java.util.List;
import java.util.Optional;

/**
 * Which volume capabilities Wharf can give. A volume is attached to one node at a time (the API
 * refuses a second attach), so only the single-node access modes are offered; on that node any
 * number of workloads may use it, except with SINGLE_NODE_SINGLE_WRITER (ReadWriteOncePod).
 * Both access types are offered: a filesystem (ext4 or xfs) or the raw block device.
 */
public final class AccessModes {
    public static final List<String> FILESYSTEMS = List.of("ext4", "xfs");

    private AccessModes() {}

    /** Why {@code capability} cannot be given, or empty when it can; INVALID_ARGUMENT when it is malformed. */
    public static Optional<String> unsupported(VolumeCapability capability) {
        if (capability.getAccessTypeCase() == VolumeCapability.AccessTypeCase.ACCESSTYPE_NOT_SET) {
            throw CsiErrors.invalid("volume capability has no access type (block or mount)");
        }
        if (!capability.hasAccessMode() || capability.getAccessMode().getMode() == Mode.UNKNOWN
                || capability.getAccessMode().getMode() == Mode.UNRECOGNIZED) {
            throw CsiErrors.invalid("volume capability has no access mode");
        }
        Mode mode = capability.getAccessMode().getMode();
        if (!singleNode(mode)) {
            return Optional.of("access mode " + mode + " is not supported: a Wharf volume is attached to one node"
                    + " at a time (use ReadWriteOnce or ReadWriteOncePod)");
        }
        if (capability.hasMount()) {
            String fs = capability.getMount().getFsType();
            if (!fs.isEmpty() && !FILESYSTEMS.contains(fs)) {
                return Optional.of("filesystem '" + fs + "' is not supported; use ext4 or xfs");
            }
            if (!capability.getMount().getVolumeMountGroup().isEmpty()) {
                return Optional.of("volume_mount_group is not supported");
            }
        }
        return Optional.empty();
    }

    /** INVALID_ARGUMENT unless every capability is well formed and supported. */
    public static void requireSupported(List<VolumeCapability> capabilities) {
        if (capabilities.isEmpty()) {
            throw CsiErrors.invalid("volume capabilities are required");
        }
        for (VolumeCapability capability : capabilities) {
            unsupported(capability).ifPresent(reason -> {
                throw CsiErrors.invalid(reason);
            });
        }
    }

    public static boolean singleNode(Mode mode) {
        return mode == Mode.SINGLE_NODE_WRITER || mode == Mode.SINGLE_NODE_READER_ONLY
                || mode == Mode.SINGLE_NODE_SINGLE_WRITER || mode == Mode.SINGLE_NODE_MULTI_WRITER;
    }

    public static boolean readOnly(Mode mode) {
        return mode == Mode.SINGLE_NODE_READER_ONLY || mode == Mode.MULTI_NODE_READER_ONLY;
    }
}
