package io.wharf.cli.backup;

import io.wharf.api.BackupStatus;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show one backup, or a running or failed backup job.")
public final class BackupInspectCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "ID")
    private String id;

    @Option(names = "--target", paramLabel = "TARGET", description = "the target to look in (default: every target)")
    private String target;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        BackupStatus backup = backups().getBackup(id, target);
        if (output.json()) {
            printJson(backup);
            return;
        }
        Table fields = new Table("FIELD", "VALUE").row("Backup", backup.id()).row("Volume", backup.volume())
                .row("Target", backup.target()).row("State", backup.state()).row("Progress", BackupListCommand.progress(backup));
        if ("done".equals(backup.state())) {
            fields.row("Type", backup.full() ? "full" : "incremental of " + backup.baseBackupId())
                    .row("Size", ByteSize.format(backup.sizeBytes()))
                    .row("Data", ByteSize.format(backup.dataBytes()))
                    .row("New data", ByteSize.format(backup.newBytes()))
                    .row("Uploaded", ByteSize.format(backup.uploadedBytes()));
        }
        fields.row("Snapshot", backup.snapshot()).row("Node", backup.node()).row("Started", backup.startedAt())
                .row("Finished", backup.finishedAt()).row("Error", backup.error()).print(out());
    }
}
