package io.wharf.csi.node;

import io.wharf.cli.mount.MountRecord;
import io.wharf.cli.mount.MountTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The volume condition NodeGetVolumeStats reports: abnormal when the pieces that serve the volume
 * on this node are gone (the device, the nbdfuse process behind it, the mount at the path).
 */
record VolumeHealth(boolean abnormal, String message) {
    static VolumeHealth of(MountRecord staged, Path path, boolean block) {
        String device = staged.device();
        if (device == null || !Files.exists(Path.of(device))) {
            return new VolumeHealth(true, "the volume's block device " + device + " is gone");
        }
        if (staged.nbdfusePid() > 0) {
            Optional<ProcessHandle> nbdfuse = ProcessHandle.of(staged.nbdfusePid());
            if (nbdfuse.isEmpty() || !nbdfuse.get().isAlive()) {
                return new VolumeHealth(true, "nbdfuse (pid " + staged.nbdfusePid() + "), which serves " + device
                        + ", has exited; I/O to the volume fails until it is staged again");
            }
        }
        if (!block && !MountTable.isMountPoint(path)) {
            return new VolumeHealth(true, path + " is no longer a mount point");
        }
        return new VolumeHealth(false, "volume is attached as " + device + " through " + staged.transport());
    }
}
