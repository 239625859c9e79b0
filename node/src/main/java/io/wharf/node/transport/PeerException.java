package io.wharf.node.transport;

import java.io.IOException;

/**
 * A request to a replica peer failed for a reason of the link or the peer as a whole: connection
 * lost or refused, no reply in time, a malformed or corrupted frame, or an I/O error on the peer.
 * The message always names the peer.
 */
public final class PeerException extends IOException {
    private final String peer;
    private final String detail;

    PeerException(String peer, String message) {
        super("replica peer " + peer + ": " + message);
        this.peer = peer;
        this.detail = message;
    }

    PeerException(String peer, String message, Throwable cause) {
        this(peer, message);
        initCause(cause);
    }

    /** The same failure thrown again from another caller: a fresh stack trace, this one as the cause. */
    PeerException rethrown() {
        return new PeerException(peer, detail, this);
    }

    /** {@code host:port} of the peer. */
    public String peer() {
        return peer;
    }
}
