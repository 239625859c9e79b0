package io.wharf.cli.backup;

import io.wharf.cli.ApiCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", aliases = "rm", description = "Delete a backup; chunks no other backup uses are collected afterwards.")
public final class BackupDeleteCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "ID")
    private String id;

    @Option(names = "--target", paramLabel = "TARGET", description = "the target holding it (default: looked up)")
    private String target;

    @Override
    protected void execute() {
        backups().deleteBackup(id, target);
        out().println("backup " + id + " deleted");
    }
}
