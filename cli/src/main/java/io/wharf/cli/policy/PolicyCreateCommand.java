package io.wharf.cli.policy;

import io.wharf.api.PolicyInfo;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Create a named snapshot schedule that volumes can follow.")
public final class PolicyCreateCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Option(names = "--schedule", required = true, paramLabel = "SCHEDULE",
            description = "e.g. periodic=60m,keep=5;daily=02:00,keep=7 (Portworx syntax)")
    private String schedule;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String policyName = Names.requireValid("policy", name);
        if (schedule.isBlank()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--schedule must not be empty",
                    "write a schedule like --schedule daily=02:00,keep=7");
        }
        PolicyInfo policy = api().createPolicy(policyName, schedule);
        if (output.json()) {
            printJson(policy);
            return;
        }
        out().println("policy " + policy.name() + " created");
    }
}
