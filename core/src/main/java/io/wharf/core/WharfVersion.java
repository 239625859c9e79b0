package io.wharf.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this build, read from a resource filtered by Maven. */
public final class WharfVersion {
    private static final String VERSION = load();

    private WharfVersion() {}

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = WharfVersion.class.getResourceAsStream("/io/wharf/core/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
