package io.wharf.cli.snapshot;

import io.wharf.api.SnapshotGroupCreate;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.SnapshotList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = {
        "Take a crash-consistent snapshot of a volume, instantly whatever its size.",
        "With --group, take one crash-consistent cut across several volumes: each gets a snapshot named after "
                + "the group (VOLUME@GROUP), all or nothing."})
public final class SnapshotCreateCommand extends ApiCommand {
    @Parameters(arity = "1..*", paramLabel = "VOLUME",
            description = "the volume to snapshot; with --group, one or more volumes to cut together")
    private List<String> volumes;

    @Option(names = "--name", paramLabel = "NAME", description = "the snapshot's name (default: one the node generates)")
    private String name;

    @Option(names = "--group", paramLabel = "NAME",
            description = "snapshot all the VOLUMEs at one crash-consistent point; every snapshot is named NAME")
    private String group;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        if (group != null) {
            createGroup();
            return;
        }
        if (volumes.size() > 1) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "snapshot create takes one volume, not " + volumes.size() + " (" + String.join(", ", volumes) + ")",
                    "to snapshot several volumes at one crash-consistent point, name the group: wharf snapshot create "
                            + "--group NAME " + String.join(" ", volumes));
        }
        String volume = volumes.getFirst();
        String volumeName = requireVolume(volume, "snapshot create takes the volume and --name for the snapshot",
                "write it like: wharf snapshot create db --name daily-1");
        String snapshotName = name == null ? null : Names.requireValid("snapshot", name);
        SnapshotInfo snapshot = api().createSnapshot(volumeName, snapshotName);
        if (output.json()) {
            printJson(snapshot);
            return;
        }
        out().println("snapshot " + snapshot.volume() + "@" + snapshot.name() + " created");
    }

    private void createGroup() {
        if (name != null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--group and --name cannot be used together",
                    "with --group every volume's snapshot is named after the group; drop --name, e.g. wharf snapshot "
                            + "create --group " + group + " " + String.join(" ", volumes));
        }
        String groupName = Names.requireValid("group", group);
        List<String> volumeNames = new ArrayList<>();
        for (String volume : volumes) {
            volumeNames.add(requireVolume(volume,
                    "snapshot create --group takes volumes and names every snapshot after the group",
                    "write it like: wharf snapshot create --group " + groupName + " db logs"));
        }
        new SnapshotGroupCreate(groupName, volumeNames).requireValid();
        List<SnapshotInfo> snapshots = api().createGroupSnapshot(groupName, volumeNames);
        if (output.json()) {
            printJson(new SnapshotList(snapshots));
            return;
        }
        for (SnapshotInfo snapshot : snapshots) {
            out().println("snapshot " + snapshot.volume() + "@" + snapshot.name() + " created");
        }
        out().println("group " + groupName + ": " + snapshots.size() + (snapshots.size() == 1 ? " volume" : " volumes")
                + ", one crash-consistent cut");
    }

    private static String requireVolume(String volume, String usage, String hint) {
        if (volume.indexOf('@') >= 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "'" + volume + "' is not a volume name: " + usage, hint);
        }
        return Names.requireValid("volume", volume);
    }
}
