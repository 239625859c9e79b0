package io.wharf.cli.node;

import io.wharf.api.NodeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "maintenance", description = {
        "Enter or exit maintenance: a node in maintenance gets no new placements; what it serves keeps working."})
public final class NodeMaintenanceCommand extends ApiCommand {
    enum Action { enter, exit }

    @Parameters(index = "0", paramLabel = "enter|exit", description = "enter or exit")
    private Action action;

    @Parameters(index = "1", paramLabel = "NODE")
    private String id;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        NodeInfo node = api().setNodeMaintenance(Names.requireValid("node", id), action == Action.enter);
        if (output.json()) {
            printJson(node);
            return;
        }
        out().println(action == Action.enter ? "node " + node.id() + " is in maintenance: no new placements"
                : "node " + node.id() + " left maintenance");
    }
}
