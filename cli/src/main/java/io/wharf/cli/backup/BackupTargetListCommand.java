package io.wharf.cli.backup;

import io.wharf.api.BackupTargetInfo;
import io.wharf.api.BackupTargetList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", aliases = "ls", description = "List the backup targets (never their secrets).")
public final class BackupTargetListCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<BackupTargetInfo> targets = backups().listBackupTargets();
        if (output.json()) {
            printJson(new BackupTargetList(targets));
            return;
        }
        if (targets.isEmpty()) {
            out().println("no backup targets: add one with `wharf backup target add NAME --s3 URL --bucket B` or `--dir PATH`");
            return;
        }
        Table table = new Table("NAME", "KIND", "LOCATION", "CREDENTIALS", "ENCRYPTED");
        for (BackupTargetInfo target : targets) {
            table.row(target.name(), target.kind(), target.location(), target.credentials(), target.encrypted() ? "yes" : "no");
        }
        table.print(out());
    }
}
