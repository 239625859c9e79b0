package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.snapshot.SnapshotReference;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "clone",
        description = {"Create a writable volume from a snapshot (SOURCE@SNAPSHOT) or from a volume's current state (SOURCE).",
                "Instant, whatever the size: the clone shares unchanged blocks with its source."})
public final class VolumeCloneCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "SOURCE[@SNAPSHOT]")
    private String source;

    @Parameters(index = "1", paramLabel = "NEW", description = "the new volume's name")
    private String name;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "a label of the new volume; repeat for more")
    private List<String> labels;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        SnapshotReference from = SnapshotReference.parseSource(source);
        String volumeName = VolumeArguments.name(name);
        Map<String, String> volumeLabels = VolumeArguments.labels(labels);
        VolumeInfo volume = api().cloneVolume(from.volume(), from.snapshot(), volumeName, volumeLabels);
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " created from " + from + ": " + VolumeText.size(volume.sizeBytes())
                + ", " + volume.nbdUri());
    }
}
