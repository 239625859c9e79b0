package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.cli.CliMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code wharf csi} as the launcher registers it: under the {@code wharf} command, which owns {@code --endpoint}. */
class CsiCommandTest {
    private static CommandLine wharf(StringWriter out, StringWriter err) {
        CommandLine commandLine = CliMain.commandLine();
        commandLine.addSubcommand("csi", new CsiCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine;
    }

    @Test
    void helpNamesTheOptions() {
        StringWriter out = new StringWriter();
        int exit = wharf(out, new StringWriter()).execute("csi", "--help");
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("--endpoint", "--node-id", "--api", "--state-dir", "unix:///PATH/csi.sock");
    }

    @Test
    void anEndpointThatIsNotASocketIsRefused() {
        int exit = wharf(new StringWriter(), new StringWriter()).execute("csi", "--endpoint", "http://127.0.0.1:9020",
                "--node-id", "node-1");
        assertThat(exit).isEqualTo(2); // INVALID_ARGUMENT's exit code
    }
}
