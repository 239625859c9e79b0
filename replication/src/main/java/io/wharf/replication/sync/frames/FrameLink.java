package io.wharf.replication.sync.frames;

import java.nio.ByteBuffer;

/**
 * One connection between a target and a replica node, as the environment provides it: whole
 * encoded frames go out through {@link #send}; frames that come in are handed to the
 * {@link FrameEndpoint} or {@link FrameServer} of the connection. Nothing is assumed about delivery:
 * frames may be lost, delayed or reordered (the protocol pairs replies by request id and bounds
 * every wait).
 */
public interface FrameLink {
    void send(ByteBuffer frame);

    /**
     * Sends a frame given as its header and its payload. The caller leaves the payload unchanged until
     * the frame's reply arrived or it gave the request up (then a payload that changed meanwhile no
     * longer matches the checksum in the header, and the peer refuses the frame). A link over a socket
     * writes it as it is; this default joins the two into one new frame.
     */
    default void send(ByteBuffer header, ByteBuffer payload) {
        ByteBuffer frame = ByteBuffer.allocate(header.remaining() + payload.remaining());
        send(frame.put(header).put(payload.duplicate()).flip());
    }

    /** Ends the connection (a peer broke the protocol, or a session gave up); the other side sees it broken. */
    void close(String reason);
}
