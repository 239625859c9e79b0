package io.wharf.backup;

import io.wharf.core.ErrorCode;

/**
 * Why a backup operation failed, with a stable name. Each reason maps to one core {@link ErrorCode}
 * (its HTTP status and CLI exit code), so the API and CLI need nothing new to report it; the reason's
 * name is finer and meant for logs, {@code -o json} and metrics. Names are part of the API: never
 * rename one, only add.
 */
public enum BackupError {
    /** The target's location cannot be parsed or names an unknown kind of target. */
    TARGET_INVALID(ErrorCode.INVALID_ARGUMENT),
    /** The bucket or directory does not exist. */
    TARGET_NOT_FOUND(ErrorCode.NOT_FOUND),
    /** The credentials were refused (unknown key, bad signature, no permission). */
    TARGET_ACCESS_DENIED(ErrorCode.PERMISSION_DENIED),
    /** The target cannot be reached (connection refused, unknown host, timeouts). */
    TARGET_UNAVAILABLE(ErrorCode.UNAVAILABLE),
    /** Any other failure of a request to the target. */
    TARGET_IO(ErrorCode.IO_ERROR),
    /** The target holds something this version cannot use (no descriptor beside data, newer format). */
    TARGET_FORMAT(ErrorCode.INVALID_ARGUMENT),
    /** S3 credentials were not given by flag, environment or file. */
    CREDENTIALS_MISSING(ErrorCode.INVALID_ARGUMENT),
    /** The target is encrypted and no key was given. */
    ENCRYPTION_KEY_REQUIRED(ErrorCode.PERMISSION_DENIED),
    /** The key given is not the one the target was initialised with. */
    ENCRYPTION_KEY_WRONG(ErrorCode.PERMISSION_DENIED),
    /** A key was given for a target that stores plaintext. */
    ENCRYPTION_NOT_ENABLED(ErrorCode.INVALID_ARGUMENT),
    /** No complete or in-progress backup has this id. */
    BACKUP_NOT_FOUND(ErrorCode.NOT_FOUND),
    /** The backup id is taken by another volume's backup. */
    BACKUP_ID_TAKEN(ErrorCode.INVALID_ARGUMENT),
    /** A resumed backup was given a source of another size than the one it started with. */
    SOURCE_MISMATCH(ErrorCode.INVALID_ARGUMENT),
    /** Reading the volume source failed. */
    SOURCE_IO(ErrorCode.IO_ERROR),
    /** The restore destination is smaller than the backup. */
    DESTINATION_TOO_SMALL(ErrorCode.INVALID_SIZE),
    /** Writing to the restore destination failed. */
    DESTINATION_IO(ErrorCode.IO_ERROR),
    /** A chunk a manifest names is not in the target. */
    CHUNK_MISSING(ErrorCode.IO_ERROR),
    /** A chunk's checksum or authentication tag does not match its content. */
    CHUNK_CORRUPT(ErrorCode.IO_ERROR),
    /** A manifest, journal or other metadata object cannot be read. */
    METADATA_CORRUPT(ErrorCode.IO_ERROR),
    /** A backup waited longer than its limit for a garbage collection to finish, or a collection lost its lease. */
    GC_BUSY(ErrorCode.UNAVAILABLE),
    /** The thread was interrupted; a backup can be resumed with the same id. */
    INTERRUPTED(ErrorCode.UNAVAILABLE);

    private final ErrorCode code;

    BackupError(ErrorCode code) {
        this.code = code;
    }

    /** The core code this reason is reported as. */
    public ErrorCode code() {
        return code;
    }
}
