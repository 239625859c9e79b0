/**
 * Mounting a volume on this machine: {@link io.wharf.cli.mount.LocalMounter} turns a volume's NBD
 * export into a block device (kernel NBD with {@code nbd-client} when {@code /dev/nbd0} exists,
 * else {@code nbdfuse} plus a loop device), makes a filesystem if the volume is blank, and mounts
 * it; unmount undoes all of it in reverse.
 *
 * <p>State: one private directory per mount under {@code /run/wharf/mounts/<id>/} with
 * {@code state.json} ({@link io.wharf.cli.mount.MountRecord}, rewritten atomically after every
 * step), and for nbdfuse its FUSE mount point {@code fuse/} (the export appears as
 * {@code fuse/nbd}), {@code nbdfuse.pid} and {@code nbdfuse.log}. {@code /run} is cleared at boot,
 * as are the mounts it describes.
 *
 * <p>Invariants: a step is recorded before the next starts, so a failure rolls back exactly what
 * was done and leaves no loop device, FUSE mount or nbdfuse process behind; nbdfuse runs in its
 * own session and outlives the CLI; one lock file serialises mounts and unmounts on a machine
 * (and an in-process lock the threads of one process, such as the CSI node plugin).
 *
 * <p>Reuse: the CSI node plugin stages volumes with {@link io.wharf.cli.mount.LocalMounter} under
 * its own state root, with mount options ({@code MountRequest.options}) and, for raw block
 * volumes, {@code MountRequest.blockOnly}: the device is attached and recorded, nothing is made
 * or mounted. It also sets {@code MountRequest.growable}: the volume's growable export
 * ({@code volume+growable}, a fixed ceiling size) is attached instead, through either transport,
 * and a loop device limited to the size the volume's own export serves ({@code NbdExportSize},
 * an {@code NBD_OPT_INFO} handshake) is the device; its limit is recorded
 * ({@code MountRecord.sizeLimitBytes}) and {@code LocalMounter.grow} raises it while the device
 * is in use ({@code LoopDevice}: {@code LOOP_SET_STATUS64} through FFM). Unmount detaches every
 * loop device over nbdfuse's file or the kernel NBD device, as before.
 */
package io.wharf.cli.mount;
