package io.wharf.cli;

import picocli.CommandLine.Option;

/** {@code -o/--output table|json}, mixed into every command that lists or shows something. */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "table|json", converter = OutputFormat.Converter.class,
            description = "table (default) for people, json for scripts: the API's JSON")
    private OutputFormat format = OutputFormat.TABLE;

    public boolean json() {
        return format == OutputFormat.JSON;
    }
}
