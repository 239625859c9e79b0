package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.snapshot.SnapshotReference;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "revert",
        description = {"Roll a volume back in place to one of its snapshots; data written since is lost.",
                "Snapshots taken after it remain. Refused while NBD clients are connected, unless --force."})
public final class VolumeRevertCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME")
    private String name;

    @Option(names = "--to", required = true, paramLabel = "SNAPSHOT",
            description = "the volume's snapshot to go back to: its name, or VOLUME@SNAPSHOT")
    private String to;

    @Option(names = "--force", description = "revert even while NBD clients are connected; they are disconnected")
    private boolean force;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String volumeName = VolumeArguments.name(name);
        String snapshot = snapshotOf(volumeName);
        VolumeInfo volume = api().revertVolume(volumeName, snapshot, force);
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " reverted to snapshot " + volumeName + "@" + snapshot);
    }

    /** {@code --to} as a snapshot name of {@code volumeName}; {@code VOLUME@SNAPSHOT} must name the same volume. */
    private String snapshotOf(String volumeName) {
        if (to.indexOf('@') < 0) {
            return Names.requireValid("snapshot", to);
        }
        SnapshotReference reference = SnapshotReference.parse(to);
        if (!reference.volume().equals(volumeName)) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "snapshot '" + reference + "' is not a snapshot of volume '" + volumeName + "'",
                    "a volume can only be reverted to its own snapshots; to start from " + reference
                            + " instead, clone it: wharf volume clone " + reference + " NEW");
        }
        return reference.snapshot();
    }
}
