package io.wharf.csi;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;

/**
 * The one table between Wharf's {@link ErrorCode}s and the gRPC codes of the CSI spec's error
 * tables. Codes are set by name ({@link Status.Code}), never by number: the spec prints
 * RESOURCE_EXHAUSTED as 13, which is INTERNAL. An RPC that means something more specific by a
 * refusal (DeleteVolume's "in use" is FAILED_PRECONDITION) maps it itself before falling back
 * here. Messages carry Wharf's hint; {@code status.details} stays empty as the spec requires.
 */
public final class CsiErrors {
    private CsiErrors() {}

    public static Status.Code code(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT, INVALID_NAME, INVALID_SIZE -> Status.Code.INVALID_ARGUMENT;
            case SHRINK_NOT_SUPPORTED -> Status.Code.OUT_OF_RANGE;
            case CAPACITY_EXCEEDED, NO_SPACE -> Status.Code.RESOURCE_EXHAUSTED;
            case NOT_FOUND, VOLUME_NOT_FOUND, SNAPSHOT_NOT_FOUND, POLICY_NOT_FOUND, NODE_NOT_FOUND -> Status.Code.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> Status.Code.UNIMPLEMENTED;
            case VOLUME_EXISTS, SNAPSHOT_EXISTS, POLICY_EXISTS, ALREADY_MOUNTED, NODE_ID_IN_USE -> Status.Code.ALREADY_EXISTS;
            case VOLUME_IN_USE, VOLUME_ATTACHED, READ_ONLY, POLICY_IN_USE, NOT_MOUNTED, NODE_IN_USE, VOLUME_FENCED, NOT_SUPPORTED ->
                    Status.Code.FAILED_PRECONDITION;
            case SNAPSHOT_LIMIT, PLACEMENT_FAILED -> Status.Code.RESOURCE_EXHAUSTED;
            case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case PORT_IN_USE, DATA_DIR_LOCKED, DATA_DIR_INVALID, MOUNT_FAILED, TOOL_MISSING, INTERNAL, IO_ERROR ->
                    Status.Code.INTERNAL;
        };
    }

    /** The status for a refusal from the API or the mounter. */
    public static StatusRuntimeException of(WharfException e) {
        return status(code(e.code()), e.getMessage() + (e.hint().isEmpty() ? "" : " (" + e.hint() + ")"));
    }

    public static StatusRuntimeException status(Status.Code code, String message) {
        return Status.fromCode(code).withDescription(message).asRuntimeException();
    }

    public static StatusRuntimeException invalid(String message) {
        return status(Status.Code.INVALID_ARGUMENT, message);
    }

    public static StatusRuntimeException notFound(String message) {
        return status(Status.Code.NOT_FOUND, message);
    }

    public static StatusRuntimeException alreadyExists(String message) {
        return status(Status.Code.ALREADY_EXISTS, message);
    }

    public static StatusRuntimeException failedPrecondition(String message) {
        return status(Status.Code.FAILED_PRECONDITION, message);
    }

    public static StatusRuntimeException outOfRange(String message) {
        return status(Status.Code.OUT_OF_RANGE, message);
    }

    public static StatusRuntimeException aborted(String message) {
        return status(Status.Code.ABORTED, message);
    }

    /** True when {@code e} is a refusal with one of {@code codes}. */
    public static boolean is(WharfException e, ErrorCode... codes) {
        for (ErrorCode code : codes) {
            if (e.code() == code) {
                return true;
            }
        }
        return false;
    }
}
