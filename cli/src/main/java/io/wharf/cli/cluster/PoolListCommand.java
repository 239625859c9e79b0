package io.wharf.cli.cluster;

import io.wharf.api.PoolInfo;
import io.wharf.api.PoolList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ByteSize;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", aliases = "ls", description = "List the storage pools of all nodes.")
public final class PoolListCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<PoolInfo> pools = api().listPools();
        if (output.json()) {
            printJson(new PoolList(pools));
            return;
        }
        if (pools.isEmpty()) {
            out().println("no pools: no node with storage has joined the cluster");
            return;
        }
        Table table = new Table("NODE", "PATH", "CAPACITY", "USED", "PROVISIONED", "OVERCOMMIT", "VOLUMES");
        for (PoolInfo pool : pools) {
            table.row(pool.node(), pool.path(), ByteSize.format(pool.capacityBytes()), ByteSize.format(pool.usedBytes()),
                    ByteSize.format(pool.provisionedBytes()), String.format(Locale.ROOT, "%.1fx", pool.overcommitRatio()),
                    pool.volumes());
        }
        table.print(out());
    }
}
