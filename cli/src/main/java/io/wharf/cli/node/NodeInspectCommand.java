package io.wharf.cli.node;

import io.wharf.api.NodeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import io.wharf.core.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show one node.")
public final class NodeInspectCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NODE")
    private String id;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        NodeInfo node = api().getNode(Names.requireValid("node", id));
        if (output.json()) {
            printJson(node);
            return;
        }
        new Table("FIELD", "VALUE")
                .row("Node", node.id())
                .row("State", NodeText.state(node))
                .row("Zone", NodeText.dash(node.zone()))
                .row("Rack", NodeText.dash(node.rack()))
                .row("Labels", node.labels().isEmpty() ? "-" : new java.util.TreeMap<>(node.labels()).entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining(",")))
                .row("API", node.apiAddress())
                .row("NBD", node.nbdAddress())
                .row("Capacity", ByteSize.format(node.capacityBytes()))
                .row("Used", ByteSize.format(node.usedBytes()))
                .row("Provisioned", ByteSize.format(node.provisionedBytes()))
                .row("Version", node.version())
                .row("Started", node.startedAt())
                .row("Reported", node.reportedAt())
                .print(out());
    }
}
