/**
 * The Node service: staging through {@link io.wharf.cli.mount.LocalMounter} (the volume's growable
 * NBD export to a size-limited loop device to filesystem, every step recorded and undone in
 * reverse), publishing by bind mount, stats, online growth of the device and the filesystem, and
 * topology.
 *
 * <p>State, under the plugin's state directory ({@code /run/wharf/csi}, cleared at boot like the
 * mounts it describes): {@code mounts/<id>/state.json}, LocalMounter's record of each staging
 * (keyed by staging path), and {@code publications/<hash of target>.json}, one {@link
 * io.wharf.csi.node.Publication} per target. A record is written before the mount it describes
 * and removed after its unmount, so a restarted plugin finds everything it made, and NodeUnpublish
 * and NodeUnstage, which the CO retries, clean up after a crash in between.
 */
package io.wharf.csi.node;
