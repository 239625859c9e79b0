package io.wharf.cli.backup;

import io.wharf.api.BackupCreate;
import io.wharf.api.BackupStatus;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = {"Back a volume up: a snapshot now, then its changes since the last backup uploaded",
        "in the background (the first is full, and every 7th). With --wait, returns when done; the last word printed is the backup's id."})
public final class BackupCreateCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME")
    private String volume;

    @Option(names = "--target", required = true, paramLabel = "TARGET")
    private String target;

    @Option(names = "--full", description = "upload every chunk's data even if an earlier backup could serve as base")
    private boolean full;

    @Option(names = "--bandwidth", paramLabel = "SIZE", description = "at most this much a second to the target, e.g. 50MiB")
    private String bandwidth;

    @Option(names = "--wait", description = "wait until the backup is complete")
    private boolean waitForIt;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        long limit = bandwidth == null ? 0 : ByteSize.parse(bandwidth);
        BackupStatus started = backups().createBackup(new BackupCreate(volume, target, full, limit));
        if (!waitForIt) {
            if (output.json()) {
                printJson(started);
                return;
            }
            out().println("backup of volume " + started.volume() + " to " + started.target() + " started: " + started.id());
            return;
        }
        JobWait.until(backups(), started.id(), out());
        BackupStatus done = backups().getBackup(started.id(), started.target());
        if (output.json()) {
            printJson(done);
            return;
        }
        out().println("backup of volume " + done.volume() + " to " + done.target() + " done (" + (done.full() ? "full" : "incremental")
                + ", " + ByteSize.format(done.dataBytes()) + " of data, " + ByteSize.format(done.uploadedBytes()) + " uploaded): "
                + done.id());
    }
}
