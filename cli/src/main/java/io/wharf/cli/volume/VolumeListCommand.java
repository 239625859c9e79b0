package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", aliases = "ls", description = "List volumes.")
public final class VolumeListCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<VolumeInfo> volumes = api().listVolumes().stream()
                .sorted(Comparator.comparing(VolumeInfo::name)).toList();
        if (output.json()) {
            printJson(new VolumeList(volumes));
            return;
        }
        if (volumes.isEmpty()) {
            out().println("no volumes yet; create one with: wharf volume create NAME --size 10GiB");
            return;
        }
        Table table = new Table("NAME", "SIZE", "ALLOCATED", "STATE", "CLIENTS", "SNAPSHOTS", "NODE", "LABELS");
        for (VolumeInfo volume : volumes) {
            table.row(volume.name(), VolumeText.size(volume.sizeBytes()), VolumeText.size(volume.allocatedBytes()),
                    volume.state(), volume.clients(), volume.snapshots(), volume.node(), VolumeText.labels(volume.labels()));
        }
        table.print(out());
    }
}
