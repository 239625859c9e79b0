package io.wharf.cli.node;

import io.wharf.api.NodeInfo;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import java.util.List;

/** How nodes read in tables. */
public final class NodeText {
    private NodeText() {}

    /** One row per node: the table of {@code node list} and {@code cluster status}. */
    public static Table table(List<NodeInfo> nodes) {
        Table table = new Table("NODE", "STATE", "ZONE", "RACK", "API", "NBD", "CAPACITY", "USED", "VERSION");
        for (NodeInfo node : nodes) {
            table.row(node.id(), state(node), dash(node.zone()), dash(node.rack()), node.apiAddress(), node.nbdAddress(),
                    ByteSize.format(node.capacityBytes()), ByteSize.format(node.usedBytes()), node.version());
        }
        return table;
    }

    /** The state, noting a maintenance flag that waits for an offline node. */
    static String state(NodeInfo node) {
        return "offline".equals(node.state()) && node.maintenance() ? "offline (maintenance)" : node.state();
    }

    static String dash(String value) {
        return value == null ? "-" : value;
    }
}
