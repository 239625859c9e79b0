package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "resize", description = "Grow a volume online. Shrinking is not supported.")
public final class VolumeResizeCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Option(names = "--size", required = true, paramLabel = "SIZE", description = "the new size, e.g. 20GiB")
    private String size;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String volumeName = VolumeArguments.name(name);
        VolumeInfo volume = api().resizeVolume(volumeName, VolumeArguments.size(size));
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " resized to " + VolumeText.size(volume.sizeBytes()));
    }
}
