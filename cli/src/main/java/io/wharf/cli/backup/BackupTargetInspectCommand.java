package io.wharf.cli.backup;

import io.wharf.api.BackupTargetInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show one backup target (never its secrets).")
public final class BackupTargetInspectCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        BackupTargetInfo target = backups().getBackupTarget(name);
        if (output.json()) {
            printJson(target);
            return;
        }
        new Table("FIELD", "VALUE").row("Name", target.name()).row("Kind", target.kind()).row("Location", target.location())
                .row("Credentials", target.credentials()).row("Encrypted", target.encrypted() ? "yes" : "no")
                .row("Full every", target.fullEvery() + " backups")
                .row("Created", target.createdAt()).print(out());
    }
}
