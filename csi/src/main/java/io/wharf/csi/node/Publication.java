package io.wharf.csi.node;

import java.util.List;

/**
 * One NodePublishVolume: the volume's staged filesystem (or device) bind-mounted at a target.
 *
 * @param accessMode the CSI access mode name, to refuse a second target for SINGLE_NODE_SINGLE_WRITER
 */
public record Publication(String volumeId, String targetPath, String stagingPath, boolean block, boolean readOnly,
                          List<String> mountFlags, String accessMode) {
    public Publication {
        mountFlags = mountFlags == null ? List.of() : List.copyOf(mountFlags);
    }

    /** Whether a repeated call asks for exactly this publication. */
    boolean sameAs(Publication other) {
        return volumeId.equals(other.volumeId) && stagingPath.equals(other.stagingPath) && block == other.block
                && readOnly == other.readOnly && mountFlags.equals(other.mountFlags);
    }
}
