package io.wharf.cli.volume;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "volume", description = "Create, inspect, resize, update, clone, revert, delete and mount volumes.")
public final class VolumeCommand extends GroupCommand {}
