package io.wharf.backup.format;

import io.wharf.backup.BackupInfo;

/** The small object beside a manifest that listing reads instead of the (large) manifest. */
public record Summary(int format, BackupInfo info) {
    public static final int FORMAT = 1;
}
