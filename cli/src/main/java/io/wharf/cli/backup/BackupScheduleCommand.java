package io.wharf.cli.backup;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "schedule", description = "Set, list and delete volumes' backup schedules (snapshot-policy syntax, keep-last-N per rule).")
public final class BackupScheduleCommand extends GroupCommand {}
