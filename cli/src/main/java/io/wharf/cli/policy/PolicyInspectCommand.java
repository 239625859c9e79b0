package io.wharf.cli.policy;

import io.wharf.api.PolicyInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show one schedule policy.")
public final class PolicyInspectCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        PolicyInfo policy = api().getPolicy(Names.requireValid("policy", name));
        if (output.json()) {
            printJson(policy);
            return;
        }
        new Table("FIELD", "VALUE")
                .row("Name", policy.name())
                .row("Schedule", policy.schedule())
                .row("Volumes", policy.volumes())
                .row("Created", policy.createdAt())
                .print(out());
    }
}
