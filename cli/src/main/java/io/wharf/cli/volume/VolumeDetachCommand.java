package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "detach", description = "Detach a volume: the node holding its data serves its NBD clients again.")
public final class VolumeDetachCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        VolumeInfo volume = api().detachVolume(VolumeArguments.name(name));
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " detached: " + volume.nbdUri());
    }
}
