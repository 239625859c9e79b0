package io.wharf.cli.backup;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "target", description = "Add, list, inspect and delete backup targets (S3 buckets or directories).")
public final class BackupTargetCommand extends GroupCommand {}
