package io.wharf.cli.snapshot;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "snapshot", description = "Take, list, inspect and delete point-in-time snapshots of volumes (VOLUME@SNAPSHOT).")
public final class SnapshotCommand extends GroupCommand {}
