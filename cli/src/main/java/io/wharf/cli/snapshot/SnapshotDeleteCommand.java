package io.wharf.cli.snapshot;

import io.wharf.cli.ApiCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "delete", aliases = "rm",
        description = "Delete a snapshot; space no volume or other snapshot shares goes back to the pool.")
public final class SnapshotDeleteCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME@SNAPSHOT")
    private String reference;

    @Override
    protected void execute() {
        SnapshotReference parsed = SnapshotReference.parse(reference);
        api().deleteSnapshot(parsed.volume(), parsed.snapshot());
        out().println("snapshot " + parsed + " deleted");
    }
}
