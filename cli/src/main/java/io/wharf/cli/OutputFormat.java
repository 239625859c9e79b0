package io.wharf.cli;

import java.util.Locale;
import picocli.CommandLine;

/** How a command prints its result: a table for people, or the API's JSON for scripts. */
public enum OutputFormat {
    TABLE,
    JSON;

    /** Reads {@code table} or {@code json}, so picocli's error names the accepted values as users type them. */
    static final class Converter implements CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "table" -> TABLE;
                case "json" -> JSON;
                default -> throw new CommandLine.TypeConversionException("expected 'table' or 'json', not '" + value + "'");
            };
        }
    }
}
