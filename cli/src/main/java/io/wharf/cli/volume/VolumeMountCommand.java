package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.mount.Filesystem;
import io.wharf.cli.mount.LocalMounter;
import io.wharf.cli.mount.MountRecord;
import io.wharf.cli.mount.MountRequest;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mount",
        description = {"Mount a volume's filesystem at PATH on this machine (needs root).",
                "A blank volume gets a filesystem first (--fs, ext4 by default); one that has a filesystem is mounted as it is."})
public final class VolumeMountCommand extends ApiCommand {
    private static final Duration CLIENTS_GRACE = Duration.ofSeconds(3);

    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Parameters(index = "1", paramLabel = "PATH", description = "a directory; created if missing")
    private String path;

    @Option(names = "--fs", paramLabel = "ext4|xfs", description = "the filesystem to make on a blank volume (default: ext4)")
    private String filesystem;

    @Override
    protected void execute() {
        String volumeName = VolumeArguments.name(name);
        Filesystem asked = filesystem == null ? null : Filesystem.parse(filesystem);
        LocalMounter mounter = new LocalMounter(environment().mountSettings());
        mounter.requireRoot();
        VolumeInfo volume = withoutClients(api().getVolume(volumeName));
        if (volume.nbdUri() == null || volume.nbdUri().isBlank()) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "the API gives no NBD address for volume '"
                    + volumeName + "'", "check the node serving it with `wharf cluster status`");
        }
        if (volume.clients() > 0) {
            throw new WharfException(ErrorCode.VOLUME_IN_USE, "volume '" + volumeName + "' already has "
                    + volume.clients() + " NBD client(s) connected; mounting it here as well could corrupt its "
                    + "filesystem", "unmount it where it is in use first (see `wharf volume inspect " + volumeName + "`)");
        }
        MountRecord mounted = mounter.mount(new MountRequest(volumeName, URI.create(volume.nbdUri()),
                volume.sizeBytes(), Path.of(path), asked));
        out().println("volume " + volumeName + " mounted at " + mounted.path() + " (" + mounted.filesystem() + " on "
                + mounted.device() + ", via " + mounted.transport() + ")");
    }

    /**
     * The volume once no NBD client is connected, or as it is after {@link #CLIENTS_GRACE}: right
     * after an unmount the node may take a moment to notice that the last connection closed.
     */
    private VolumeInfo withoutClients(VolumeInfo volume) {
        long deadline = System.nanoTime() + CLIENTS_GRACE.toNanos();
        VolumeInfo current = volume;
        while (current.clients() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return current;
            }
            current = api().getVolume(current.name());
        }
        return current;
    }
}
