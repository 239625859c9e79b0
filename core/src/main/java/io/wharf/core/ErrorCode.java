package io.wharf.core;

/**
 * Every error a user can see, with a stable name. This is the one table that maps an error
 * to its HTTP status and CLI exit code; nothing else in the code base invents a status.
 *
 * <p>Names are part of the API: never rename one, only add.
 */
public enum ErrorCode {
    // 400: the request itself is wrong
    INVALID_ARGUMENT(400, 2),
    INVALID_NAME(400, 2),
    INVALID_SIZE(400, 2),
    SHRINK_NOT_SUPPORTED(400, 2),
    // 404: something named does not exist
    NOT_FOUND(404, 3),
    VOLUME_NOT_FOUND(404, 3),
    SNAPSHOT_NOT_FOUND(404, 3),
    POLICY_NOT_FOUND(404, 3),
    NODE_NOT_FOUND(404, 3),
    // 405
    METHOD_NOT_ALLOWED(405, 2),
    // 409: conflicts with current state
    VOLUME_EXISTS(409, 4),
    VOLUME_IN_USE(409, 4),
    VOLUME_ATTACHED(409, 4),
    SNAPSHOT_EXISTS(409, 4),
    SNAPSHOT_LIMIT(409, 4),
    READ_ONLY(409, 4),
    POLICY_EXISTS(409, 4),
    POLICY_IN_USE(409, 4),
    ALREADY_MOUNTED(409, 4),
    NOT_MOUNTED(409, 4),
    NODE_ID_IN_USE(409, 4),
    PLACEMENT_FAILED(409, 4),
    NODE_IN_USE(409, 4),
    /** A newer attach raised the volume's epoch: this target may never write again. */
    VOLUME_FENCED(409, 4),
    /** The operation is not available for this kind of volume (yet); the hint says what works. */
    NOT_SUPPORTED(409, 4),
    // 507: not enough room
    CAPACITY_EXCEEDED(507, 5),
    NO_SPACE(507, 5),
    // local environment problems (mostly CLI and start-up)
    PERMISSION_DENIED(403, 6),
    PORT_IN_USE(500, 7),
    DATA_DIR_LOCKED(500, 7),
    DATA_DIR_INVALID(500, 7),
    MOUNT_FAILED(500, 8),
    TOOL_MISSING(500, 8),
    // the node cannot be reached or is not ready
    UNAVAILABLE(503, 9),
    // 500: a bug or an I/O failure; carries an error-report id in the message
    INTERNAL(500, 1),
    IO_ERROR(500, 1);

    private final int httpStatus;
    private final int exitCode;

    ErrorCode(int httpStatus, int exitCode) {
        this.httpStatus = httpStatus;
        this.exitCode = exitCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The exit code of the {@code wharf} command when a request fails with this code. */
    public int exitCode() {
        return exitCode;
    }

    /** The code with this name, or {@link #INTERNAL} for a name this version does not know. */
    public static ErrorCode parse(String name) {
        for (ErrorCode code : values()) {
            if (code.name().equals(name)) {
                return code;
            }
        }
        return INTERNAL;
    }
}
