package io.wharf.replication.wire;

import io.wharf.core.ErrorCode;

/**
 * The outcome of a request, carried in the header of a {@link Message.Reply}. Numbers are stable:
 * never renumber, only add. Each error status names the {@link ErrorCode} it stands for; the reply's
 * payload ({@link ErrorDetail}) carries the exact code name and a message, so a code this table has
 * no status of its own for travels as {@link #REFUSED} without losing its name.
 */
public enum Status {
    OK(0, null),
    /** Out-of-range offset or length, or a request that makes no sense for the volume. */
    INVALID_ARGUMENT(1, ErrorCode.INVALID_ARGUMENT),
    VOLUME_NOT_FOUND(2, ErrorCode.VOLUME_NOT_FOUND),
    /** The replica's storage failed the call. */
    IO_ERROR(3, ErrorCode.IO_ERROR),
    NO_SPACE(4, ErrorCode.NO_SPACE),
    READ_ONLY(5, ErrorCode.READ_ONLY),
    /** Hello refused: the peers share no protocol version. The connection is closed after the reply. */
    UNSUPPORTED_VERSION(6, ErrorCode.UNAVAILABLE),
    /** Hello refused: the peer belongs to another cluster. The connection is closed after the reply. */
    CLUSTER_MISMATCH(7, ErrorCode.UNAVAILABLE),
    /** The request names a volume handle that is not open on this connection. */
    UNKNOWN_HANDLE(8, ErrorCode.INVALID_ARGUMENT),
    /** Reserved for fencing: the request's epoch is older than one the replica has seen. */
    STALE_EPOCH(9, ErrorCode.UNAVAILABLE),
    /** The replica cannot serve now (shutting down, pool closed). */
    UNAVAILABLE(10, ErrorCode.UNAVAILABLE),
    /** Another refusal; the payload names its {@link ErrorCode}. */
    REFUSED(11, null),
    /** A bug on the replica; the message carries what it logged. */
    INTERNAL(12, ErrorCode.INTERNAL);

    private static final Status[] BY_CODE;

    static {
        int max = 0;
        for (Status status : values()) {
            max = Math.max(max, status.code);
        }
        BY_CODE = new Status[max + 1];
        for (Status status : values()) {
            BY_CODE[status.code] = status;
        }
    }

    private final int code;
    private final ErrorCode errorCode;

    Status(int code, ErrorCode errorCode) {
        this.code = code;
        this.errorCode = errorCode;
    }

    public int code() {
        return code;
    }

    /** The error code this status stands for; null for {@link #OK} and {@link #REFUSED} (see the payload). */
    public ErrorCode errorCode() {
        return errorCode;
    }

    /** The status with this wire number, or null if this version does not know it. */
    public static Status of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** The status an error code travels under: its own when the table has one, else {@link #REFUSED}. */
    public static Status of(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT -> INVALID_ARGUMENT;
            case VOLUME_NOT_FOUND -> VOLUME_NOT_FOUND;
            case IO_ERROR -> IO_ERROR;
            case NO_SPACE -> NO_SPACE;
            case READ_ONLY -> READ_ONLY;
            case UNAVAILABLE -> UNAVAILABLE;
            case INTERNAL -> INTERNAL;
            default -> REFUSED;
        };
    }
}
