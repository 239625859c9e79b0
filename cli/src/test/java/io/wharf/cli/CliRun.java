package io.wharf.cli;

import io.wharf.cli.mount.MountSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/** One run of the wharf command in-process: exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {
    static CliRun run(Map<String, String> variables, MountSettings mountSettings, String... args) {
        CommandLine wharf = CliMain.commandLine(new CliEnvironment(variables, mountSettings));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        wharf.setOut(new PrintWriter(out, true));
        wharf.setErr(new PrintWriter(err, true));
        int exitCode = wharf.execute(args);
        return new CliRun(exitCode, out.toString(), err.toString());
    }
}
