package io.wharf.backup;

import io.wharf.core.WharfException;

/**
 * A failure of a backup operation the user sees: a {@link BackupError} reason (mapped to a core
 * {@link io.wharf.core.ErrorCode}), a message saying what happened (naming the chunk and volume
 * offset where there is one) and a hint saying what to do. Messages never hold secrets or stack traces.
 */
public final class BackupException extends WharfException {
    private static final long serialVersionUID = 1L;
    private final BackupError reason;

    public BackupException(BackupError reason, String message, String hint) {
        super(reason.code(), message, hint);
        this.reason = reason;
    }

    public BackupException(BackupError reason, String message, String hint, Throwable cause) {
        super(reason.code(), message, hint, cause);
        this.reason = reason;
    }

    public BackupError reason() {
        return reason;
    }
}
