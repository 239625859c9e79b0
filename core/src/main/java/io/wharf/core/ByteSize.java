package io.wharf.core;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints sizes. Accepts {@code 10GiB}, {@code 512MiB}, {@code 4096}, {@code 1.5TiB},
 * and the decimal units {@code kB, MB, GB, TB} (powers of 1000). A bare {@code G} or {@code Gi}
 * means GiB, as in Kubernetes quantities users already type.
 */
public final class ByteSize {
    public static final long KIB = 1024L;
    public static final long MIB = 1024L * KIB;
    public static final long GIB = 1024L * MIB;
    public static final long TIB = 1024L * GIB;
    public static final long PIB = 1024L * TIB;

    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)\\s*");

    private ByteSize() {}

    public static long parse(String text) {
        if (text == null) {
            throw invalid("", "no size given");
        }
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw invalid(text, "not a size");
        }
        long unit = unit(text, m.group(2));
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw invalid(text, "too large");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw invalid(text, "not a whole number of bytes");
        }
        return bytes.longValueExact();
    }

    private static long unit(String text, String suffix) {
        return switch (suffix.toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "ki", "kib" -> KIB;
            case "m", "mi", "mib" -> MIB;
            case "g", "gi", "gib" -> GIB;
            case "t", "ti", "tib" -> TIB;
            case "p", "pi", "pib" -> PIB;
            case "kb" -> 1000L;
            case "mb" -> 1000L * 1000;
            case "gb" -> 1000L * 1000 * 1000;
            case "tb" -> 1000L * 1000 * 1000 * 1000;
            default -> throw invalid(text, "unknown unit '" + suffix + "'");
        };
    }

    private static WharfException invalid(String text, String why) {
        return new WharfException(ErrorCode.INVALID_SIZE, "size '" + text + "' is not valid: " + why,
                "write a size like 10GiB, 512MiB or 1TiB");
    }

    /** A short human form: {@code 10 GiB}, {@code 1.5 MiB}, {@code 0 B}. */
    public static String format(long bytes) {
        if (bytes < 0) {
            return "-" + format(-bytes);
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int index = 0;
        while (value >= 1024 && index < units.length - 1) {
            value /= 1024;
            index++;
        }
        if (index == 0) {
            return bytes + " B";
        }
        String number = value == Math.rint(value) ? String.valueOf((long) value)
                : String.format(Locale.ROOT, "%.1f", value);
        return number + " " + units[index];
    }
}
