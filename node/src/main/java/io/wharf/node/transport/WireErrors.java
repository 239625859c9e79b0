package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.replication.wire.ErrorDetail;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.Status;
import java.io.IOException;

/**
 * The one table between failures and the wire, both ways. On the replica, a volume call's
 * exception becomes a reply status carrying the {@link ErrorCode} name; on the target, a failed
 * reply becomes the exception a local {@link io.wharf.storage.Volume} would have thrown, so the NBD
 * layer answers a remote volume's clients exactly as a local one's:
 *
 * <pre>
 * replica: exception                  status              target: exception
 * IllegalArgumentException (range)    INVALID_ARGUMENT    IllegalArgumentException
 * WharfException(code)                Status.of(code)     WharfException(same code)
 * IOException                         IO_ERROR            PeerException (an IOException)
 * other RuntimeException (a bug)      INTERNAL            PeerException
 * -                                   UNKNOWN_HANDLE, UNAVAILABLE, STALE_EPOCH -&gt; PeerException
 * </pre>
 */
final class WireErrors {
    private WireErrors() {}

    /** The reply for a failed call on the replica. */
    static Message.Reply reply(long requestId, Exception failure) {
        return switch (failure) {
            case IllegalArgumentException e -> Message.Reply.error(requestId, Status.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT,
                    String.valueOf(e.getMessage()));
            case WharfException e -> Message.Reply.error(requestId, Status.of(e.code()), e.code(), e.getMessage());
            case IOException e -> Message.Reply.error(requestId, Status.IO_ERROR, ErrorCode.IO_ERROR, String.valueOf(e.getMessage()));
            default -> Message.Reply.error(requestId, Status.INTERNAL, ErrorCode.INTERNAL, failure.toString());
        };
    }

    /** The exception for a failed reply on the target; {@code what} says which request, for the message. */
    static Exception exception(String peer, String what, Message.Reply reply) {
        ErrorDetail detail = reply.error();
        String message = what + ": " + detail.code() + ": " + detail.message();
        return switch (reply.status()) {
            case OK -> throw new IllegalArgumentException("reply " + reply.requestId() + " did not fail");
            case INVALID_ARGUMENT -> new IllegalArgumentException("replica peer " + peer + ": " + message);
            case VOLUME_NOT_FOUND, NO_SPACE, READ_ONLY, UNSUPPORTED_VERSION, CLUSTER_MISMATCH, REFUSED ->
                    new WharfException(ErrorCode.parse(detail.code()), "replica peer " + peer + ": " + message, hint(reply.status()));
            case IO_ERROR, UNKNOWN_HANDLE, STALE_EPOCH, UNAVAILABLE, INTERNAL -> new PeerException(peer, message);
        };
    }

    private static String hint(Status status) {
        return switch (status) {
            case UNSUPPORTED_VERSION -> "upgrade the older node so that both speak the same replication protocol version";
            case CLUSTER_MISMATCH -> "check that both nodes were given the same cluster id";
            case VOLUME_NOT_FOUND -> "check which node holds the volume's data";
            default -> "";
        };
    }
}
