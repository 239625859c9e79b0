package io.wharf.cli.backup;

import io.wharf.api.BackupScheduleInfo;
import io.wharf.api.BackupScheduleSet;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "set", description = {"Back a volume up on a schedule; each rule keeps its newest keep backups in the target.",
        "Missed runs after downtime are caught up once, not in a burst."})
public final class BackupScheduleSetCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VOLUME")
    private String volume;

    @Option(names = "--target", required = true, paramLabel = "TARGET")
    private String target;

    @Option(names = "--schedule", required = true, paramLabel = "SCHEDULE",
            description = "e.g. periodic=6h,keep=4;daily=02:00,keep=7;weekly=sun@03:00,keep=4;monthly=1@04:00,keep=12")
    private String schedule;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        BackupScheduleInfo set = backups().setBackupSchedule(volume, new BackupScheduleSet(target, schedule));
        if (output.json()) {
            printJson(set);
            return;
        }
        out().println("volume " + set.volume() + " is backed up to " + set.target() + " on schedule " + set.schedule());
    }
}
