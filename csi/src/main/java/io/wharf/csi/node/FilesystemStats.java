package io.wharf.csi.node;

import io.wharf.cli.mount.CommandRunner;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.nio.file.Path;

/** statfs of a mounted filesystem, in bytes and inodes ({@code stat -f}). */
record FilesystemStats(long totalBytes, long usedBytes, long availableBytes, long totalInodes, long freeInodes) {
    long usedInodes() {
        return totalInodes - freeInodes;
    }

    static FilesystemStats of(CommandRunner commands, Path path) {
        // %S fundamental block size, %b total blocks, %f free blocks, %a blocks free to users, %c inodes, %d free inodes
        CommandRunner.Result result = commands.runChecked("stat", "-f", "-c", "%S %b %f %a %c %d", path.toString());
        String[] fields = result.stdout().strip().split("\\s+");
        if (fields.length != 6) {
            throw new WharfException(ErrorCode.INTERNAL, "unexpected output of stat -f: " + result.stdout(), "");
        }
        long block = Long.parseLong(fields[0]);
        long blocks = Long.parseLong(fields[1]);
        long free = Long.parseLong(fields[2]);
        long available = Long.parseLong(fields[3]);
        return new FilesystemStats(blocks * block, (blocks - free) * block, available * block, Long.parseLong(fields[4]),
                Long.parseLong(fields[5]));
    }
}
