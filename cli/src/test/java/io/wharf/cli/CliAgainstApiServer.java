package io.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.api.ApiServer;
import io.wharf.cli.mount.MountSettings;
import io.wharf.cli.mount.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture the CLI tests share: a real {@link ApiServer} on a free port with an
 * {@link InMemoryApi} behind it, the {@code wharf} command run in-process against it, and the
 * assertions every refusal must meet.
 */
abstract class CliAgainstApiServer {
    static final ObjectMapper JSON = new ObjectMapper();
    final InMemoryApi api = new InMemoryApi();
    ApiServer server;
    String endpoint;
    @TempDir
    Path temporary;

    @BeforeEach
    void start() throws Exception {
        server = new ApiServer("127.0.0.1", 0, api, () -> "");
        server.start();
        endpoint = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    MountSettings mountSettings(boolean root) {
        return new MountSettings(temporary.resolve("mounts"), Transport.NBDFUSE, Duration.ofSeconds(10), root);
    }

    CliRun wharf(String... args) {
        return CliRun.run(Map.of(CliEnvironment.ENDPOINT_VARIABLE, endpoint), mountSettings(true), args);
    }

    static CliRun succeeded(CliRun run) {
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        return run;
    }

    static void assertNoStackTrace(CliRun run) {
        assertThat(run.err()).doesNotContain("\tat ", "Exception", "Caused by");
        assertThat(run.out()).doesNotContain("\tat ", "Exception");
    }

    static void assertFailed(CliRun run, int exitCode, String code, String message, String hint) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(exitCode);
        String expected = "error: " + message + "\n" + (hint == null ? "" : "hint: " + hint + "\n") + "(code: " + code
                + ")\n";
        assertThat(run.err()).isEqualTo(expected);
        assertThat(run.out()).isEmpty();
        assertNoStackTrace(run);
    }

    static void assertUsageError(CliRun run, String start, String usage) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).startsWith(start).contains("Usage: " + usage);
        assertNoStackTrace(run);
        assertThat(run.out()).isEmpty();
    }
}
