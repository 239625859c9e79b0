package io.wharf.dist;

import io.wharf.cli.CliMain;
import io.wharf.node.UpCommand;
import picocli.CommandLine;

/**
 * The {@code wharf} binary: the client commands of {@link CliMain} plus the commands that run a
 * node in this process ({@code wharf up}). Kept apart so that the CLI module stays a pure API
 * client.
 */
public final class WharfMain {
    private WharfMain() {}

    public static CommandLine commandLine() {
        CommandLine commandLine = CliMain.commandLine();
        commandLine.addSubcommand("up", new UpCommand());
        return commandLine;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
