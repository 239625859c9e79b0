package io.wharf.cli.policy;

import io.wharf.cli.ApiCommand;
import io.wharf.core.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "delete", aliases = "rm", description = "Delete a schedule policy no volume follows.")
public final class PolicyDeleteCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Override
    protected void execute() {
        String policyName = Names.requireValid("policy", name);
        api().deletePolicy(policyName);
        out().println("policy " + policyName + " deleted");
    }
}
