package io.wharf.cli.backup;

import io.wharf.cli.ApiCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "delete", aliases = "rm", description = "Forget a backup target; the backups in it stay there.")
public final class BackupTargetDeleteCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Override
    protected void execute() {
        backups().deleteBackupTarget(name);
        out().println("backup target " + name + " removed (its backups stay in the bucket or directory)");
    }
}
