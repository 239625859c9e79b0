package io.wharf.cli.mount;

import java.nio.file.Path;

/**
 * What one mount did, kept as {@code state.json} in its state directory and rewritten after
 * every step, so that {@code unmount} (or a rollback, or a later run after a crash) undoes
 * exactly what was done, in reverse.
 *
 * @param schemaVersion  format of this record; readers ignore fields they do not know
 * @param id             the name of the state directory
 * @param transport      {@code nbdfuse} or {@code kernel-nbd}
 * @param filesystem     the filesystem type mounted, once known
 * @param fuseDir        nbdfuse's FUSE mount point (nbdfuse only)
 * @param nbdfusePid     the nbdfuse process, 0 if none was started
 * @param loopDevice     the loop device over nbdfuse's file, once attached
 * @param nbdDevice      the kernel NBD device, once connected (kernel-nbd only)
 * @param createdPath    whether the mount created {@code path}, so a rollback removes it again
 * @param mounted        whether the filesystem is mounted at {@code path}
 * @param blockOnly      the device was attached without a filesystem (raw block); {@code path} only names it
 * @param options        the {@code mount -o} options the filesystem was mounted with
 * @param sizeLimitBytes the loop device's size limit over a growable export (the size served when it was
 *                       attached, then after each {@code grow}); 0 when the device has its export's
 *                       fixed size, as every record written before growable exports has (they lack
 *                       the field, hence a boxed type: the JSON reader refuses a missing primitive)
 */
public record MountRecord(
        int schemaVersion,
        String id,
        String volume,
        String nbdUri,
        String path,
        String transport,
        String filesystem,
        String fuseDir,
        long nbdfusePid,
        String loopDevice,
        String nbdDevice,
        boolean createdPath,
        boolean mounted,
        String mountedAt,
        boolean blockOnly,
        java.util.List<String> options,
        Long sizeLimitBytes) {
    public static final int SCHEMA_VERSION = 1;
    static final String NBDFUSE = "nbdfuse";
    static final String KERNEL_NBD = "kernel-nbd";

    public MountRecord {
        options = options == null ? java.util.List.of() : java.util.List.copyOf(options);
        sizeLimitBytes = sizeLimitBytes == null ? 0L : sizeLimitBytes; // absent from records of older versions
    }

    static MountRecord start(String id, String volume, String nbdUri, Path path, String transport, boolean blockOnly,
                             java.util.List<String> options) {
        return new MountRecord(SCHEMA_VERSION, id, volume, nbdUri, path.toString(), transport, null, null, 0, null,
                null, false, false, null, blockOnly, options, 0L);
    }

    /** The block device the filesystem lives on, or null before one is attached. */
    public String device() {
        return loopDevice != null ? loopDevice : nbdDevice;
    }

    MountRecord withFuse(String dir, long pid) {
        return new MountRecord(schemaVersion, id, volume, nbdUri, path, transport, filesystem, dir, pid, loopDevice,
                nbdDevice, createdPath, mounted, mountedAt, blockOnly, options, sizeLimitBytes);
    }

    MountRecord withNbdDevice(String device) {
        return new MountRecord(schemaVersion, id, volume, nbdUri, path, transport, filesystem, fuseDir, nbdfusePid,
                loopDevice, device, createdPath, mounted, mountedAt, blockOnly, options, sizeLimitBytes);
    }

    MountRecord withFilesystem(String type) {
        return new MountRecord(schemaVersion, id, volume, nbdUri, path, transport, type, fuseDir, nbdfusePid,
                loopDevice, nbdDevice, createdPath, mounted, mountedAt, blockOnly, options, sizeLimitBytes);
    }

    MountRecord withPath(Path mountPath, boolean created) {
        return new MountRecord(schemaVersion, id, volume, nbdUri, mountPath.toString(), transport, filesystem, fuseDir,
                nbdfusePid, loopDevice, nbdDevice, created, mounted, mountedAt, blockOnly, options, sizeLimitBytes);
    }

    /** Whether the device can grow while in use: a loop device with a size limit over a growable export. */
    public boolean growable() {
        return sizeLimitBytes > 0 && loopDevice != null;
    }

    MountRecord withLoopDevice(String device, long limitBytes) {
        return new MountRecord(schemaVersion, id, volume, nbdUri, path, transport, filesystem, fuseDir, nbdfusePid,
                device, nbdDevice, createdPath, mounted, mountedAt, blockOnly, options, limitBytes);
    }

    MountRecord withMounted(boolean isMounted, String at) {
        return new MountRecord(schemaVersion, id, volume, nbdUri, path, transport, filesystem, fuseDir, nbdfusePid,
                loopDevice, nbdDevice, createdPath, isMounted, at, blockOnly, options, sizeLimitBytes);
    }
}
