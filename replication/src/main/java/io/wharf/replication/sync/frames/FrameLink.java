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

    /** Ends the connection (a peer broke the protocol, or a session gave up); the other side sees it broken. */
    void close(String reason);
}
