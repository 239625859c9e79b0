package io.wharf.storage.disk;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;

/** Turns the filesystem's "out of space" into {@link ErrorCode#NO_SPACE}; other failures stay I/O errors. */
public final class DiskErrors {
    private DiskErrors() {}

    /** True for ENOSPC and EDQUOT as the JDK reports them (it has no typed exception for either). */
    public static boolean isNoSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WharfException w && w.code() == ErrorCode.NO_SPACE) {
                return true;
            }
            String message = t.getMessage();
            if (message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    public static WharfException noSpace(String what, Throwable cause) {
        WharfException e = new WharfException(ErrorCode.NO_SPACE, "the pool's filesystem is full (" + what + ")",
                "free space on the pool's filesystem or move volumes to another pool; data written before is intact");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /** Throws {@code failure} as NO_SPACE when it is one, else rethrows it unchanged. */
    public static IOException rethrow(String what, IOException failure) {
        if (isNoSpace(failure)) {
            throw noSpace(what, failure);
        }
        return failure;
    }
}
