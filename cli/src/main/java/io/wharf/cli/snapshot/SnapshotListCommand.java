package io.wharf.cli.snapshot;

import io.wharf.api.SnapshotInfo;
import io.wharf.api.SnapshotList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import io.wharf.core.Names;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "list", aliases = "ls", description = "List the snapshots of one volume, or of all volumes, oldest first.")
public final class SnapshotListCommand extends ApiCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "VOLUME", description = "only this volume's snapshots")
    private String volume;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String volumeName = volume == null ? null : Names.requireValid("volume", volume);
        List<SnapshotInfo> snapshots = api().listSnapshots(volumeName);
        if (output.json()) {
            printJson(new SnapshotList(snapshots));
            return;
        }
        if (snapshots.isEmpty()) {
            out().println(volumeName == null
                    ? "no snapshots yet; take one with: wharf snapshot create VOLUME --name NAME"
                    : "volume " + volumeName + " has no snapshots yet; take one with: wharf snapshot create "
                            + volumeName + " --name NAME");
            return;
        }
        Table table = new Table("VOLUME", "NAME", "CREATED", "SIZE", "EXCLUSIVE", "NODES");
        for (SnapshotInfo snapshot : snapshots) {
            table.row(snapshot.volume(), snapshot.name(), snapshot.createdAt(), ByteSize.format(snapshot.sizeBytes()),
                    ByteSize.format(snapshot.exclusiveBytes()), SnapshotInspectCommand.nodes(snapshot));
        }
        table.print(out());
    }
}
