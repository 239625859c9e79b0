package io.wharf.cli;

import io.wharf.api.client.ApiClient;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.core.WharfVersion;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top command, {@code wharf}: owns {@code --endpoint}, which every subcommand accepts too, and
 * passes {@code --help}/{@code --version} down to every subcommand (command scope INHERIT).
 */
@Command(name = "wharf", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = WharfCommand.Version.class,
        description = "Thin, replicated block volumes for Kubernetes, served over NBD.")
public final class WharfCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Option(names = "--endpoint", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "the Wharf API, e.g. http://127.0.0.1:9020 (default: $" + CliEnvironment.ENDPOINT_VARIABLE
                    + ", else " + CliEnvironment.DEFAULT_ENDPOINT + ")")
    private String endpoint;

    private final CliEnvironment environment;

    WharfCommand(CliEnvironment environment) {
        this.environment = environment;
    }

    public CliEnvironment environment() {
        return environment;
    }

    /** The API endpoint: {@code --endpoint}, else {@code $WHARF_ENDPOINT}, else the default; validated. */
    public URI endpoint() {
        String source = "--endpoint";
        String text = endpoint;
        if (text == null || text.isBlank()) {
            source = "$" + CliEnvironment.ENDPOINT_VARIABLE;
            text = environment.variables().get(CliEnvironment.ENDPOINT_VARIABLE);
        }
        if (text == null || text.isBlank()) {
            return URI.create(CliEnvironment.DEFAULT_ENDPOINT);
        }
        try {
            return ApiClient.validate(new URI(text.strip()));
        } catch (URISyntaxException | WharfException e) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "endpoint '" + text + "' (from " + source + ") is not an http:// or https:// URL",
                    "write it like " + CliEnvironment.DEFAULT_ENDPOINT);
        }
    }

    /** A client for {@link #endpoint()}; the caller closes it. */
    public ApiClient client() {
        return new ApiClient(endpoint());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"wharf " + WharfVersion.version()};
        }
    }
}
