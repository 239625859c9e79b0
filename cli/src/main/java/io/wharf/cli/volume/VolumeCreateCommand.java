package io.wharf.cli.volume;

import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.Names;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Create a thin volume: it takes no space until data is written.")
public final class VolumeCreateCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "lower-case letters, digits and '-'; also the NBD export name")
    private String name;

    @Option(names = "--size", required = true, paramLabel = "SIZE", description = "e.g. 10GiB, 512MiB, 1TiB")
    private String size;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "a label; repeat for more")
    private List<String> labels;

    @Option(names = "--snapshot-schedule", paramLabel = "SCHEDULE",
            description = "take snapshots on a schedule, e.g. periodic=60m,keep=5;daily=02:00,keep=7 (Portworx syntax)")
    private String snapshotSchedule;

    @Option(names = "--schedule-policy", paramLabel = "POLICY",
            description = "follow the named schedule policy (see wharf policy list); not with --snapshot-schedule")
    private String schedulePolicy;

    @Option(names = "--nodes", split = ",", paramLabel = "NODE", description = "place the volume on one of these nodes")
    private List<String> nodes;

    @Option(names = "--zones", split = ",", paramLabel = "ZONE", description = "place the volume in one of these zones")
    private List<String> zones;

    @Option(names = "--node-selector", paramLabel = "KEY=VALUE",
            description = "place the volume on a node with this label (see wharf node list); repeat for more")
    private List<String> nodeSelector;

    @Option(names = "--repl", paramLabel = "N", defaultValue = "1",
            description = "copies of the data on different nodes, synchronously replicated: 1, 2 or 3 (default: ${DEFAULT-VALUE})")
    private int repl;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String volumeName = VolumeArguments.name(name);
        long sizeBytes = VolumeArguments.size(size);
        Map<String, String> volumeLabels = VolumeArguments.labels(labels);
        String policy = schedulePolicy == null ? null : Names.requireValid("policy", schedulePolicy);
        List<String> nodeIds = nodes == null ? List.of() : nodes.stream().map(n -> Names.requireValid("node", n)).toList();
        List<String> zoneNames = zones == null ? List.of() : zones.stream().map(z -> Names.requireValid("zone", z)).toList();
        VolumeInfo volume = api().createVolume(
                new VolumeCreate(volumeName, sizeBytes, volumeLabels, snapshotSchedule, policy, nodeIds, zoneNames,
                        VolumeArguments.labels(nodeSelector), VolumeArguments.repl(repl)));
        if (output.json()) {
            printJson(volume);
            return;
        }
        String where = volume.replication() == null ? "on node " + volume.node()
                : "with " + volume.replication().repl() + " replicas on nodes " + String.join(", ",
                        volume.replication().replicas().stream().map(r -> r.node()).toList());
        out().println("volume " + volume.name() + " created " + where + ": " + VolumeText.size(volume.sizeBytes()) + ", "
                + volume.nbdUri());
    }
}
