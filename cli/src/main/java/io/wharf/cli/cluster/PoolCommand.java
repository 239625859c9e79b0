package io.wharf.cli.cluster;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "pool", description = "Show the nodes' storage pools.")
public final class PoolCommand extends GroupCommand {}
