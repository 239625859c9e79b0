package io.wharf.nbd;

import java.io.IOException;

/** An I/O failure that carries the NBD error code the client should see. */
public class NbdException extends IOException {
    private final NbdError error;

    public NbdException(NbdError error, String message) {
        super(message);
        this.error = error;
    }

    public NbdError error() {
        return error;
    }
}
