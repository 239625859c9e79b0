package io.wharf.cli.node;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "node", description = "List, inspect and maintain the cluster's nodes.")
public final class NodeCommand extends GroupCommand {}
