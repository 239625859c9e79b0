package io.wharf.cli.cluster;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "cluster", description = "Show the cluster.")
public final class ClusterCommand extends GroupCommand {}
