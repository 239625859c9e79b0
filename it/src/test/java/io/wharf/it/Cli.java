package io.wharf.it;

import io.wharf.dist.WharfMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the {@code wharf} command in this JVM against a node, capturing what it prints. */
final class Cli {
    record Run(int exitCode, String out, String err) {
        String lastWord() {
            String[] words = out.trim().split("\\s+");
            return words[words.length - 1];
        }
    }

    private final String endpoint;

    Cli(String endpoint) {
        this.endpoint = endpoint;
    }

    Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--endpoint");
        all.add(endpoint);
        return raw(all.toArray(String[]::new));
    }

    static Run raw(String... args) {
        CommandLine commandLine = WharfMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }
}
