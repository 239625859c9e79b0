package io.wharf.core;

import java.util.regex.Pattern;

/**
 * Rules for the names users give things. A volume name is also its NBD export name and will be
 * a Kubernetes object name, so it follows DNS-1123 label rules: lower-case letters, digits and
 * '-', starting and ending with a letter or digit, at most 63 characters. '@' is reserved for
 * snapshots ({@code volume@snapshot}), and the suffix {@link #GROWABLE_EXPORT_SUFFIX} for a
 * volume's growable NBD export ({@code volume+growable}): neither character can be in a name.
 */
public final class Names {
    public static final int MAX_LENGTH = 63;
    /**
     * Appended to a volume's name, the NBD export of the volume that presents a fixed maximum
     * size and follows the volume as it grows (the CSI node plugin stages through it). '+' is
     * never in a name and needs no escaping in an {@code nbd://} URI's path.
     */
    public static final String GROWABLE_EXPORT_SUFFIX = "+growable";
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    private Names() {}

    /** Returns {@code name} if valid, else throws {@link ErrorCode#INVALID_NAME}. */
    public static String requireValid(String kind, String name) {
        if (name == null || name.isEmpty()) {
            throw new WharfException(ErrorCode.INVALID_NAME, kind + " name is empty",
                    "give a name of lower-case letters, digits and '-', e.g. 'db-data'");
        }
        if (name.length() > MAX_LENGTH || !NAME.matcher(name).matches()) {
            throw new WharfException(ErrorCode.INVALID_NAME,
                    kind + " name '" + printable(name) + "' is not valid",
                    "use 1 to " + MAX_LENGTH + " lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
        return name;
    }

    /** The name of the growable NBD export of {@code volume}. */
    public static String growableExport(String volume) {
        return volume + GROWABLE_EXPORT_SUFFIX;
    }

    public static void requireValidLabel(String key, String value) {
        if (key == null || !LABEL_KEY.matcher(key).matches()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "label key '" + printable(key) + "' is not valid",
                    "label keys follow Kubernetes rules: [prefix/]name, name up to 63 of letters, digits, '-', '_', '.'");
        }
        if (value == null || value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "label value '" + printable(value) + "' of key '" + key + "' is not valid",
                    "label values are up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit");
        }
    }

    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        String shortened = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        StringBuilder out = new StringBuilder();
        shortened.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
