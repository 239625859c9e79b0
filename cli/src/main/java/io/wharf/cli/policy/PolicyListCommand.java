package io.wharf.cli.policy;

import io.wharf.api.PolicyInfo;
import io.wharf.api.PolicyList;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "list", aliases = "ls", description = "List schedule policies.")
public final class PolicyListCommand extends ApiCommand {
    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        List<PolicyInfo> policies = api().listPolicies();
        if (output.json()) {
            printJson(new PolicyList(policies));
            return;
        }
        if (policies.isEmpty()) {
            out().println("no policies yet; create one with: wharf policy create NAME --schedule SCHEDULE");
            return;
        }
        Table table = new Table("NAME", "SCHEDULE", "VOLUMES", "CREATED");
        for (PolicyInfo policy : policies) {
            table.row(policy.name(), policy.schedule(), policy.volumes(), policy.createdAt());
        }
        table.print(out());
    }
}
