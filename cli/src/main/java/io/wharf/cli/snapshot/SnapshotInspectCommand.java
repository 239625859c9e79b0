package io.wharf.cli.snapshot;

import io.wharf.api.SnapshotInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show one snapshot.")
public final class SnapshotInspectCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME@SNAPSHOT")
    private String reference;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        SnapshotReference parsed = SnapshotReference.parse(reference);
        SnapshotInfo snapshot = api().getSnapshot(parsed.volume(), parsed.snapshot());
        if (output.json()) {
            printJson(snapshot);
            return;
        }
        Table fields = new Table("FIELD", "VALUE");
        fields.row("Snapshot", snapshot.volume() + "@" + snapshot.name())
                .row("ID", snapshot.id())
                .row("Volume", snapshot.volume())
                .row("Size", ByteSize.format(snapshot.sizeBytes()) + " (" + snapshot.sizeBytes() + " bytes)")
                .row("Exclusive", ByteSize.format(snapshot.exclusiveBytes()))
                .row("NBD URI", snapshot.nbdUri() == null ? null : snapshot.nbdUri() + " (read-only)")
                .row("Created", snapshot.createdAt())
                .row("Nodes", nodes(snapshot));
        fields.print(out());
    }

    /** The nodes holding the snapshot, or that it is lost. */
    static String nodes(SnapshotInfo snapshot) {
        return SnapshotInfo.LOST.equals(snapshot.state()) ? "none (lost: delete it)" : String.join(",", snapshot.nodes());
    }
}
