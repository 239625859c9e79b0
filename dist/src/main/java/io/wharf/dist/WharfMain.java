package io.wharf.dist;

import io.wharf.cli.CliMain;
import io.wharf.node.NodeStartCommand;
import io.wharf.node.UpCommand;
import picocli.CommandLine;

/**
 * The {@code wharf} binary: the client commands of {@link CliMain} plus the commands that run a
 * node in this process ({@code wharf up}, {@code wharf node start}). Kept apart so that the CLI module stays a pure API
 * client.
 */
public final class WharfMain {
    private WharfMain() {}

    public static CommandLine commandLine() {
        CommandLine commandLine = CliMain.commandLine();
        commandLine.addSubcommand("up", new UpCommand());
        commandLine.addSubcommand("csi", new io.wharf.csi.CsiCommand());
        commandLine.getSubcommands().get("node").addSubcommand("start", new NodeStartCommand());
        return commandLine;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
