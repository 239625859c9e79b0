package io.wharf.cli.node;

import io.wharf.api.NodeInfo;
import io.wharf.api.NodeList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", description = "List every node that joined the cluster, online or not.")
public final class NodeListCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<NodeInfo> nodes = api().listNodes();
        if (output.json()) {
            printJson(new NodeList(nodes));
            return;
        }
        NodeText.table(nodes).print(out());
    }
}
