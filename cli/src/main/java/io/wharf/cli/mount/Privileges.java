package io.wharf.cli.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process runs as root, read from {@code /proc/self/status} (effective uid). */
final class Privileges {
    private Privileges() {}

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            // no /proc: not Linux, so not a machine we can mount on
        }
        return false;
    }
}
