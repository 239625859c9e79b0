package io.wharf.backup.format;

/** An object in the target that does not decode: truncated, altered, another key, another format. */
public final class CorruptObjectException extends Exception {
    private static final long serialVersionUID = 1L;

    public CorruptObjectException(String message) {
        super(message);
    }

    public CorruptObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
