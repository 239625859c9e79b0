package io.wharf.cli.volume;

import io.wharf.api.ReplicationInfo;
import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeSpaceInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show one volume.")
public final class VolumeInspectCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        VolumeInfo volume = api().getVolume(VolumeArguments.name(name));
        if (output.json()) {
            printJson(volume);
            return;
        }
        Table fields = new Table("FIELD", "VALUE");
        fields.row("Name", volume.name())
                .row("ID", volume.id())
                .row("Size", VolumeText.size(volume.sizeBytes()) + " (" + volume.sizeBytes() + " bytes)")
                .row("Allocated", VolumeText.size(volume.allocatedBytes()))
                .row("State", VolumeText.state(volume))
                .row("Node", volume.node())
                .row("NBD URI", volume.nbdUri())
                .row("Labels", VolumeText.labels(volume.labels()))
                .row("Snapshots", volume.snapshots());
        if (volume.snapshotSchedule() != null) {
            fields.row("Schedule", volume.snapshotSchedule());
        }
        if (volume.schedulePolicy() != null) {
            fields.row("Policy", volume.schedulePolicy());
        }
        if (volume.source() != null) {
            fields.row("Source", volume.source());
        }
        if (volume.attachedTo() != null) {
            fields.row("Attached to", volume.attachedTo());
        }
        ReplicationInfo replication = volume.replication();
        if (replication != null) {
            fields.row("Replication", "repl " + replication.repl() + ", epoch " + replication.epoch()
                    + (replication.target() == null ? "" : ", target " + replication.target()));
            for (ReplicationInfo.Replica replica : replication.replicas()) {
                fields.row("  replica " + replica.node(), VolumeText.replicaState(replica));
            }
        }
        fields.row("Created", volume.createdAt());
        VolumeSpaceInfo space = volume.space();
        if (space != null) {
            fields.row("Space: head", VolumeText.size(space.headExclusiveBytes()) + " (only the live volume reads it)")
                    .row("Space: snapshots", VolumeText.size(space.snapshotExclusiveBytes())
                            + " (deleting them gives it back)")
                    .row("Space: shared", VolumeText.size(space.sharedBytes())
                            + " (read by several of head, snapshots, clones)");
            for (VolumeSpaceInfo.SnapshotSpace snapshot : space.snapshots()) {
                fields.row("  @" + snapshot.name(), VolumeText.size(snapshot.exclusiveBytes()) + " exclusive");
            }
        }
        fields.print(out());
    }
}
