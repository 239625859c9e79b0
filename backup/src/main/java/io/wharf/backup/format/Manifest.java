package io.wharf.backup.format;

import io.wharf.backup.BackupInfo;
import java.util.List;

/**
 * A complete backup: its {@link BackupInfo} and every chunk that holds data, sorted by index; chunks
 * not listed read zeros. Complete on its own: an incremental copies the unchanged entries of its base,
 * so a restore reads this one object and the chunks it names.
 */
public record Manifest(int format, BackupInfo info, List<ChunkRef> chunks) {
    public static final int FORMAT = 1;
}
