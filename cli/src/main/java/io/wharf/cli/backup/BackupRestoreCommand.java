package io.wharf.cli.backup;

import io.wharf.api.BackupRestore;
import io.wharf.api.BackupStatus;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", description = {"Restore a backup into a new volume on the node asked, verifying every chunk.",
        "A missing or corrupt chunk fails the restore, names the chunk, and leaves no volume behind."})
public final class BackupRestoreCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "ID")
    private String id;

    @Option(names = "--to", required = true, paramLabel = "NEW_VOLUME")
    private String volume;

    @Option(names = "--target", paramLabel = "TARGET", description = "the target holding the backup (default: looked up)")
    private String target;

    @Option(names = "--wait", description = "wait until the volume is restored")
    private boolean waitForIt;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String from = target != null ? target : backups().getBackup(id, null).target();
        BackupStatus job = backups().restoreBackup(id, new BackupRestore(from, volume));
        if (waitForIt) {
            job = JobWait.until(backups(), job.id(), out());
        }
        if (output.json()) {
            printJson(job);
            return;
        }
        out().println(waitForIt ? "volume " + volume + " restored from backup " + id
                : "restore of backup " + id + " into volume " + volume + " started: " + job.id());
    }
}
