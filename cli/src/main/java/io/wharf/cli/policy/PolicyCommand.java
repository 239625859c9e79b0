package io.wharf.cli.policy;

import io.wharf.cli.GroupCommand;
import picocli.CommandLine.Command;

@Command(name = "policy",
        description = "Create, list, inspect and delete named snapshot schedules that volumes can follow.")
public final class PolicyCommand extends GroupCommand {}
