package io.wharf.cli.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Finds and removes what a failed test left under a directory: mounts, loop devices, FUSE mounts. */
public final class MountLeftovers {
    private static final CommandRunner COMMANDS = new CommandRunner(Duration.ofSeconds(60));

    private MountLeftovers() {}

    public static List<String> mountPointsUnder(Path directory) {
        return MountTable.read().stream().map(e -> e.mountPoint().toString())
                .filter(p -> p.startsWith(directory.toString())).toList();
    }

    public static String loopDevices() {
        return COMMANDS.run("losetup", "-a").stdout();
    }

    /** Unmounts filesystems, detaches loop devices and removes FUSE mounts under {@code directory}, lazily. */
    public static void removeUnder(Path directory) {
        for (String mountPoint : mountPointsUnder(directory)) {
            if (!mountPoint.endsWith("/fuse")) {
                COMMANDS.run("umount", "-l", mountPoint);
            }
        }
        for (String line : loopDevices().split("\n")) {
            if (line.contains(directory.toString())) {
                COMMANDS.run("losetup", "-d", line.substring(0, line.indexOf(':')));
            }
        }
        for (String mountPoint : mountPointsUnder(directory)) {
            COMMANDS.run("fusermount3", "-u", "-z", mountPoint);
        }
    }
}
