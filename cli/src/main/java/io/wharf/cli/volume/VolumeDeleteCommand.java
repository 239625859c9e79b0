package io.wharf.cli.volume;

import io.wharf.cli.ApiCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", aliases = "rm", description = "Delete a volume and its data.")
public final class VolumeDeleteCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Option(names = "--force", description = "delete even while NBD clients are connected")
    private boolean force;

    @Override
    protected void execute() {
        String volumeName = VolumeArguments.name(name);
        api().deleteVolume(volumeName, force);
        out().println("volume " + volumeName + " deleted");
    }
}
