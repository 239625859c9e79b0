package io.wharf.cli.volume;

import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeUpdate;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.Names;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "update", description = {
        "Set or clear a volume's snapshot schedule or schedule policy, or change its number of replicas.",
        "A volume follows its own schedule or a policy, not both; an empty value (\"\") clears it."})
public final class VolumeUpdateCommand extends ApiCommand {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Option(names = "--snapshot-schedule", paramLabel = "SCHEDULE",
            description = "e.g. periodic=60m,keep=5;daily=02:00,keep=7 (Portworx syntax); \"\" clears it")
    private String snapshotSchedule;

    @Option(names = "--schedule-policy", paramLabel = "POLICY",
            description = "follow the named policy (see wharf policy list); \"\" clears it")
    private String schedulePolicy;

    @Option(names = "--repl", paramLabel = "N",
            description = "replicas: 1, 2 or 3; new ones are placed on other nodes and rebuilt online, extra ones removed")
    private Integer repl;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        if (snapshotSchedule == null && schedulePolicy == null && repl == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing option: give --snapshot-schedule=SCHEDULE, --schedule-policy=POLICY or --repl=N");
        }
        String volumeName = VolumeArguments.name(name);
        String policy = schedulePolicy == null || schedulePolicy.isEmpty() ? schedulePolicy
                : Names.requireValid("policy", schedulePolicy);
        VolumeInfo volume = api().updateVolume(volumeName, new VolumeUpdate(snapshotSchedule, policy,
                repl == null ? null : VolumeArguments.repl(repl)));
        if (output.json()) {
            printJson(volume);
            return;
        }
        out().println("volume " + volume.name() + " updated");
    }
}
