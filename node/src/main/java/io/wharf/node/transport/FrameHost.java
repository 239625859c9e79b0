package io.wharf.node.transport;

import io.wharf.replication.sync.frames.FrameLink;
import io.wharf.replication.sync.frames.FrameServer;
import java.util.concurrent.Executor;

/**
 * What a {@link ReplicaServer} hands its synchronous-replication connections to: a
 * {@link FrameServer} per connection, all run on one single-threaded loop. The node's
 * {@code io.wharf.node.replication.ReplicaHost} is one.
 */
public interface FrameHost {
    /** The loop every call of a {@link FrameServer} of this host runs on; never blocks the caller. */
    Executor loop();

    /** A server for one connection, whose replies go out through {@code link}; called on {@link #loop()}. */
    FrameServer serve(FrameLink link);
}
