package io.wharf.cli.mount;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What to mount where.
 *
 * @param volume      the volume's name, for records and messages
 * @param nbdUri      where its NBD export is, e.g. {@code nbd://127.0.0.1:10809/db}
 * @param sizeBytes   the volume's size as the API reports it; the device must have exactly this size (0: do not check)
 * @param path        the directory to mount on; created if missing
 * @param filesystem  the filesystem asked for; null means "what the volume holds, ext4 if blank"
 * @param options     options for {@code mount -o} (e.g. {@code ro}, {@code noatime}); empty for none
 * @param blockOnly   attach the block device only: no filesystem is made or mounted, and {@code path}
 *                    (which must exist) only names the attachment (raw block volumes of the CSI driver)
 * @param growable    attach the volume's growable export ({@code volume+growable}) under a loop device
 *                    limited to the size served now, so that {@link LocalMounter#grow} can grow the
 *                    device while it is in use (the CSI driver's online expansion)
 */
public record MountRequest(String volume, URI nbdUri, long sizeBytes, Path path, Filesystem filesystem,
                           List<String> options, boolean blockOnly, boolean growable) {
    public MountRequest {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(nbdUri, "nbdUri");
        Objects.requireNonNull(path, "path");
        options = options == null ? List.of() : List.copyOf(options);
    }

    /** A filesystem mount with default options ({@code wharf volume mount}). */
    public MountRequest(String volume, URI nbdUri, long sizeBytes, Path path, Filesystem filesystem) {
        this(volume, nbdUri, sizeBytes, path, filesystem, List.of(), false, false);
    }
}
