package io.wharf.cli.backup;

import io.wharf.api.BackupScheduleInfo;
import io.wharf.api.BackupScheduleList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", aliases = "ls", description = "List the volumes' backup schedules.")
public final class BackupScheduleListCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<BackupScheduleInfo> schedules = backups().listBackupSchedules();
        if (output.json()) {
            printJson(new BackupScheduleList(schedules));
            return;
        }
        if (schedules.isEmpty()) {
            out().println("no backup schedules: set one with `wharf backup schedule set VOLUME --target T --schedule S`");
            return;
        }
        Table table = new Table("VOLUME", "TARGET", "SCHEDULE", "SINCE");
        for (BackupScheduleInfo schedule : schedules) {
            table.row(schedule.volume(), schedule.target(), schedule.schedule(), schedule.since());
        }
        table.print(out());
    }
}
