package io.wharf.cli.backup;

import io.wharf.cli.ApiCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "delete", aliases = "rm", description = "Stop a volume's scheduled backups; its backups stay.")
public final class BackupScheduleDeleteCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME")
    private String volume;

    @Override
    protected void execute() {
        backups().deleteBackupSchedule(volume);
        out().println("backup schedule of volume " + volume + " removed (its backups stay)");
    }
}
