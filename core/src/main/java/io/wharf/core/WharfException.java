package io.wharf.core;

import java.util.Objects;

/**
 * A failure a user sees: a stable {@link ErrorCode}, a message that says what happened, and a
 * hint that says what to do next. Thrown for expected refusals (name taken, no space), never
 * for broken invariants.
 */
public class WharfException extends RuntimeException {
    private final ErrorCode code;
    private final String hint;

    public WharfException(ErrorCode code, String message, String hint) {
        super(Objects.requireNonNull(message, "message"));
        this.code = Objects.requireNonNull(code, "code");
        this.hint = hint == null ? "" : hint;
    }

    public WharfException(ErrorCode code, String message, String hint, Throwable cause) {
        this(code, message, hint);
        initCause(cause);
    }

    public ErrorCode code() {
        return code;
    }

    public String hint() {
        return hint;
    }
}
