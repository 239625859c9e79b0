package io.wharf.cli.snapshot;

import io.wharf.api.SnapshotInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Take a crash-consistent snapshot of a volume, instantly whatever its size.")
public final class SnapshotCreateCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME")
    private String volume;

    @Option(names = "--name", paramLabel = "NAME", description = "the snapshot's name (default: one the node generates)")
    private String name;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        if (volume.indexOf('@') >= 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "'" + volume + "' is not a volume name: snapshot create takes the volume and --name for the snapshot",
                    "write it like: wharf snapshot create db --name daily-1");
        }
        String volumeName = Names.requireValid("volume", volume);
        String snapshotName = name == null ? null : Names.requireValid("snapshot", name);
        SnapshotInfo snapshot = api().createSnapshot(volumeName, snapshotName);
        if (output.json()) {
            printJson(snapshot);
            return;
        }
        out().println("snapshot " + snapshot.volume() + "@" + snapshot.name() + " created");
    }
}
