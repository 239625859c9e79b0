package io.wharf.cli.backup;

import io.wharf.api.BackupList;
import io.wharf.api.BackupStatus;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "list", aliases = "ls", description = "List backups (from the targets) and running or failed backup jobs.")
public final class BackupListCommand extends ApiCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "VOLUME")
    private String volume;

    @Option(names = "--target", paramLabel = "TARGET", description = "only this target's")
    private String target;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<BackupStatus> backups = backups().listBackups(volume, target);
        if (output.json()) {
            printJson(new BackupList(backups));
            return;
        }
        if (backups.isEmpty()) {
            out().println("no backups" + (volume == null ? "" : " of volume " + volume));
            return;
        }
        Table table = new Table("ID", "VOLUME", "TARGET", "STATE", "TYPE", "SIZE", "DATA", "UPLOADED", "PROGRESS", "STARTED");
        for (BackupStatus backup : backups) {
            boolean done = "done".equals(backup.state());
            table.row(backup.id(), backup.volume(), backup.target(), backup.state(), done ? (backup.full() ? "full" : "incremental") : "",
                    done ? ByteSize.format(backup.sizeBytes()) : "", done ? ByteSize.format(backup.dataBytes()) : "",
                    done ? ByteSize.format(backup.uploadedBytes()) : "", progress(backup), backup.startedAt());
        }
        table.print(out());
    }

    static String progress(BackupStatus backup) {
        if ("done".equals(backup.state())) {
            return "100%";
        }
        if (backup.totalBytes() <= 0) {
            return "failed".equals(backup.state()) ? "" : "starting";
        }
        return (100 * backup.doneBytes() / backup.totalBytes()) + "%";
    }
}
