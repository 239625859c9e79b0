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
        "Refused while the volume is attached to another node; with --force, a replicated volume is taken over",
        "from a target that is offline (its epoch is raised: the old target can never write again)."})
public final class VolumeAttachCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Option(names = "--node", paramLabel = "NODE", description = "the target node (default: the node this command talks to)")
    private String node;

    @Option(names = "--force", description = "take a replicated volume over from an offline target")
    private boolean force;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String target = node == null ? null : Names.requireValid("node", node);
        VolumeInfo volume = api().attachVolume(VolumeArguments.name(name), target, force);
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " attached to node " + volume.attachedTo() + ": " + volume.nbdUri());
    }
}
