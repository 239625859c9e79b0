package io.wharf.cli.volume;

import io.wharf.cli.ApiCommand;
import io.wharf.cli.mount.LocalMounter;
import io.wharf.cli.mount.MountRecord;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "unmount", aliases = "umount",
        description = "Unmount a volume mounted with `wharf volume mount` and release everything the mount set up (needs root).")
public final class VolumeUnmountCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "PATH")
    private String path;

    @Override
    protected void execute() {
        MountRecord record = new LocalMounter(environment().mountSettings()).unmount(Path.of(path));
        out().println("volume " + record.volume() + " unmounted from " + record.path());
    }
}
