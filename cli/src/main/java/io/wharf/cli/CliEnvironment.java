package io.wharf.cli;

import io.wharf.cli.mount.MountSettings;
import java.util.Map;
import java.util.Objects;

/**
 * What the CLI takes from the machine it runs on, passed in so tests can choose it.
 *
 * @param variables      environment variables ({@code WHARF_ENDPOINT})
 * @param mountSettings  how {@code volume mount} and {@code volume unmount} work here
 */
public record CliEnvironment(Map<String, String> variables, MountSettings mountSettings) {
    public static final String ENDPOINT_VARIABLE = "WHARF_ENDPOINT";
    public static final String DEFAULT_ENDPOINT = "http://127.0.0.1:9020";

    public CliEnvironment {
        variables = Map.copyOf(Objects.requireNonNull(variables, "variables"));
        Objects.requireNonNull(mountSettings, "mountSettings");
    }

    /** This process's environment and this machine's mount settings. */
    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), MountSettings.defaults());
    }
}
