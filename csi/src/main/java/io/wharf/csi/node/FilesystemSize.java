package io.wharf.csi.node;

import io.wharf.cli.mount.CommandRunner;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much of its device a mounted filesystem spans, and its block size: from the superblock
 * ({@code dumpe2fs -h} for ext4, {@code xfs_info} for xfs). A filesystem smaller than its device
 * by a block or more needs growing (a volume restored or cloned into a larger size, or grown
 * while it was not staged).
 */
record FilesystemSize(long bytes, long blockBytes) {
    private static final Pattern EXT4_COUNT = Pattern.compile("(?m)^Block count:\\s+(\\d+)");
    private static final Pattern EXT4_SIZE = Pattern.compile("(?m)^Block size:\\s+(\\d+)");
    private static final Pattern XFS_DATA = Pattern.compile("(?m)^data\\s+=\\s+bsize=(\\d+)\\s+blocks=(\\d+)");

    boolean smallerThan(long deviceBytes) {
        return bytes + blockBytes <= deviceBytes;
    }

    static FilesystemSize of(CommandRunner commands, String type, String device, Path mountPoint) {
        return switch (type) {
            case "ext4" -> {
                String header = commands.runChecked("dumpe2fs", "-h", device).stdout();
                long block = group(EXT4_SIZE, header, 1);
                yield new FilesystemSize(group(EXT4_COUNT, header, 1) * block, block);
            }
            case "xfs" -> {
                String info = commands.runChecked("xfs_info", mountPoint.toString()).stdout();
                long block = group(XFS_DATA, info, 1);
                yield new FilesystemSize(group(XFS_DATA, info, 2) * block, block);
            }
            default -> throw new WharfException(ErrorCode.INTERNAL, "no size probe for a " + type + " filesystem", "");
        };
    }

    private static long group(Pattern pattern, String text, int group) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new WharfException(ErrorCode.INTERNAL, "cannot read the filesystem size from: " + text, "");
        }
        return Long.parseLong(matcher.group(group));
    }
}
