package io.wharf.cli.mount;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.util.List;
import java.util.Locale;

/** The filesystems {@code wharf volume mount} can create on a blank volume. */
public enum Filesystem {
    EXT4("ext4", "e2fsprogs"),
    XFS("xfs", "xfsprogs");

    private final String type;
    private final String debianPackage;

    Filesystem(String type, String debianPackage) {
        this.type = type;
        this.debianPackage = debianPackage;
    }

    /** The name {@code blkid} and {@code mount -t} use. */
    public String type() {
        return type;
    }

    String mkfsTool() {
        return "mkfs." + type;
    }

    String debianPackage() {
        return debianPackage;
    }

    /**
     * The mkfs command line. Discard is off: the volume is blank and thin, so there is nothing
     * to discard, and discarding a large volume through NBD takes time for nothing.
     */
    List<String> mkfsArguments(String device) {
        return switch (this) {
            case EXT4 -> List.of("-q", "-F", "-E", "nodiscard", device);
            case XFS -> List.of("-q", "-K", device);
        };
    }

    public static Filesystem parse(String text) {
        for (Filesystem filesystem : values()) {
            if (filesystem.type.equals(text == null ? "" : text.toLowerCase(Locale.ROOT))) {
                return filesystem;
            }
        }
        throw new WharfException(ErrorCode.INVALID_ARGUMENT, "filesystem '" + text + "' is not supported",
                "use --fs ext4 or --fs xfs");
    }

    /** The filesystem {@code blkid} calls {@code type}, or null for one Wharf does not create. */
    static Filesystem ofType(String type) {
        for (Filesystem filesystem : values()) {
            if (filesystem.type.equals(type)) {
                return filesystem;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return type;
    }
}
