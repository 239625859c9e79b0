package io.wharf.cli.node;

import io.wharf.cli.ApiCommand;
import io.wharf.core.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "decommission", description = {
        "Remove an offline node from the cluster, so its id can be used again.",
        "Refused while the node is online or holds the only copy of a volume."})
public final class NodeDecommissionCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NODE")
    private String id;

    @Override
    protected void execute() {
        String node = Names.requireValid("node", id);
        api().decommissionNode(node);
        out().println("node " + node + " decommissioned");
    }
}
