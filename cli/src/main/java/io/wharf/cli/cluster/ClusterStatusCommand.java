package io.wharf.cli.cluster;

import io.wharf.api.ClusterInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.cli.node.NodeText;
import io.wharf.core.ByteSize;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", description = "Show the cluster's nodes and totals.")
public final class ClusterStatusCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        ClusterInfo cluster = api().clusterStatus();
        if (output.json()) {
            printJson(cluster);
            return;
        }
        long online = cluster.nodes().stream().filter(n -> !"offline".equals(n.state())).count(); // maintenance is up
        Table summary = new Table("CLUSTER", cluster.clusterId());
        summary.row("Version", cluster.version())
                .row("Nodes", online + " of " + cluster.nodes().size() + " online")
                .row("Capacity", ByteSize.format(cluster.capacityBytes()))
                .row("Used", ByteSize.format(cluster.usedBytes()) + percent(cluster.usedBytes(), cluster.capacityBytes()))
                .row("Provisioned", ByteSize.format(cluster.provisionedBytes())
                        + percent(cluster.provisionedBytes(), cluster.capacityBytes()))
                .row("Volumes", cluster.volumes());
        summary.print(out());
        if (cluster.nodes().isEmpty()) {
            return;
        }
        out().println();
        NodeText.table(cluster.nodes()).print(out());
    }

    private static String percent(long part, long whole) {
        return whole <= 0 ? "" : String.format(Locale.ROOT, " (%.0f%%)", 100.0 * part / whole);
    }
}
