package io.wharf.cli.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The kernel's table of mounts, from {@code /proc/self/mountinfo}. */
public final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** One line: where something is mounted, its type and its source. */
    public record Entry(Path mountPoint, String type, String source) {}

    private MountTable() {}

    public static List<Entry> read() {
        List<Entry> entries = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(MOUNTINFO);
        } catch (IOException e) {
            return entries;
        }
        for (String line : lines) {
            // id parent major:minor root mount-point options [optional fields...] - type source super-options
            String[] fields = line.split(" ");
            int separator = List.of(fields).indexOf("-");
            if (fields.length < 5 || separator < 0 || separator + 2 >= fields.length) {
                continue;
            }
            entries.add(new Entry(Path.of(unescape(fields[4])), fields[separator + 1],
                    unescape(fields[separator + 2])));
        }
        return entries;
    }

    /** The last mount at {@code path} (the one visible there), if any. */
    public static Optional<Entry> at(Path path) {
        Entry found = null;
        for (Entry entry : read()) {
            if (entry.mountPoint().equals(path)) {
                found = entry;
            }
        }
        return Optional.ofNullable(found);
    }

    public static boolean isMountPoint(Path path) {
        return at(path).isPresent();
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String text, int from) {
        if (from + 3 > text.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
