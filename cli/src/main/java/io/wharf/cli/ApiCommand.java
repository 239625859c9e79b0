package io.wharf.cli;

import io.wharf.api.ApiJson;
import io.wharf.api.BackupApi;
import io.wharf.api.WharfApi;
import io.wharf.api.client.ApiClient;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A leaf command: runs {@link #execute()}, with the API client, the output writers and the
 * environment at hand. Failures are {@link io.wharf.core.WharfException}s, printed by
 * {@link ErrorPrinter}; success exits 0.
 */
public abstract class ApiCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;
    private ApiClient client;

    protected abstract void execute();

    @Override
    public final Integer call() {
        try {
            execute();
            return 0;
        } finally {
            out().flush();
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }

    protected WharfCommand root() {
        return (WharfCommand) spec.root().userObject();
    }

    protected CliEnvironment environment() {
        return root().environment();
    }

    /** The API, opened on first use. */
    protected WharfApi api() {
        if (client == null) {
            client = root().client();
        }
        return client;
    }

    /** The backup API (the same client), opened on first use. */
    protected BackupApi backups() {
        api();
        return client;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Prints {@code value} as the API's JSON, indented. */
    protected void printJson(Object value) {
        try {
            out().println(ApiJson.prettyWriter().writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
