package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "attach", description = {
        "Attach a volume to a node: its NBD clients connect there, wherever the data lives.",
        "Refused while the volume is attached to another node."})
public final class VolumeAttachCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Option(names = "--node", paramLabel = "NODE", description = "the target node (default: the node this command talks to)")
    private String node;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String target = node == null ? null : Names.requireValid("node", node);
        VolumeInfo volume = api().attachVolume(VolumeArguments.name(name), target);
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " attached to node " + volume.attachedTo() + ": " + volume.nbdUri());
    }
}
