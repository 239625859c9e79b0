package io.wharf.cli.snapshot;

import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;

/**
 * A snapshot as users name it, {@code VOLUME@SNAPSHOT}, or, where a command allows it, a volume
 * alone ({@code snapshot} null). Both names follow {@link Names}; '@' cannot be part of either,
 * so there is exactly one way to split the text.
 */
public record SnapshotReference(String volume, String snapshot) {
    private static final String EXAMPLE = "daily-1";

    /** Parses {@code VOLUME@SNAPSHOT}; a volume alone is refused. */
    public static SnapshotReference parse(String text) {
        String checked = text == null ? "" : text;
        if (checked.indexOf('@') < 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "'" + checked + "' does not name a snapshot: expected VOLUME@SNAPSHOT",
                    "write it like " + exampleVolume(checked) + "@" + EXAMPLE + "; list snapshots with "
                            + "`wharf snapshot list`");
        }
        return split(checked, "");
    }

    /** Parses {@code VOLUME} or {@code VOLUME@SNAPSHOT}: the source of a clone. */
    public static SnapshotReference parseSource(String text) {
        String checked = text == null ? "" : text;
        if (checked.indexOf('@') < 0) {
            return new SnapshotReference(Names.requireValid("volume", checked), null);
        }
        return split(checked, ", or just the volume for its current state");
    }

    private static SnapshotReference split(String text, String alternative) {
        int at = text.indexOf('@');
        if (text.indexOf('@', at + 1) >= 0) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "'" + text + "' has more than one '@'",
                    "'@' separates the volume from the snapshot and is not allowed in either name; write VOLUME@SNAPSHOT, "
                            + "e.g. db@" + EXAMPLE);
        }
        String volume = text.substring(0, at);
        String snapshot = text.substring(at + 1);
        if (volume.isEmpty()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "'" + text + "' names no volume before '@'",
                    "write VOLUME@SNAPSHOT, e.g. db@" + (snapshot.isEmpty() ? EXAMPLE : snapshot));
        }
        if (snapshot.isEmpty()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "'" + text + "' names no snapshot after '@'",
                    "write VOLUME@SNAPSHOT, e.g. " + exampleVolume(volume) + "@" + EXAMPLE + alternative
                            + "; list snapshots with `wharf snapshot list " + exampleVolume(volume) + "`");
        }
        return new SnapshotReference(Names.requireValid("volume", volume), Names.requireValid("snapshot", snapshot));
    }

    /** The user's volume name for a hint if it is a valid one, else a stand-in. */
    private static String exampleVolume(String text) {
        try {
            return Names.requireValid("volume", text);
        } catch (WharfException e) {
            return "db";
        }
    }

    @Override
    public String toString() {
        return snapshot == null ? volume : volume + "@" + snapshot;
    }
}
