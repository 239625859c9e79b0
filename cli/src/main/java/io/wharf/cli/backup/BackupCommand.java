package io.wharf.cli.backup;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "backup", description = "Back volumes up to S3 or a directory, list, inspect and delete backups, restore them.")
public final class BackupCommand extends GroupCommand {}
