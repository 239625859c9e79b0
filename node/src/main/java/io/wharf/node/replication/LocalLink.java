package io.wharf.node.replication;

import io.wharf.replication.sync.frames.FrameEndpoint;
import io.wharf.replication.sync.frames.FrameLink;
import io.wharf.replication.sync.frames.FrameServer;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An in-process connection between a target and the replica host of the same node: two
 * {@link FrameLink} ends, each handing its frames to the other side through the loop (no socket, no
 * copy: a sent frame is the receiver's). It speaks the same frames as a TCP link, so the local
 * replica goes through exactly the code of a remote one. Closing either end closes both: the
 * endpoint is told the link broke and the frame server is closed, on the loop.
 */
final class LocalLink {
    private final ReplicationLoop loop;
    private final FrameEndpoint endpoint;
    private final Consumer<LocalLink> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final End targetEnd = new End(true);
    private final End replicaEnd = new End(false);
    /** Loop only. */
    private FrameServer server;

    private LocalLink(ReplicationLoop loop, FrameEndpoint endpoint, Consumer<LocalLink> onClose) {
        this.loop = loop;
        this.endpoint = endpoint;
        this.onClose = onClose;
    }

    /** A link from {@code endpoint} to {@code host}; on the loop (the endpoint connects from there). */
    static LocalLink connect(ReplicationLoop loop, FrameEndpoint endpoint, ReplicaHost host, Consumer<LocalLink> onClose) {
        LocalLink link = new LocalLink(loop, endpoint, onClose);
        link.server = host.serve(link.replicaEnd);
        return link;
    }

    /** The end the target's endpoint sends on. */
    FrameLink targetEnd() {
        return targetEnd;
    }

    /** Closes both ends; any thread. */
    void close(String reason) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        onClose.accept(this);
        loop.execute(() -> {
            server.close();
            endpoint.broken(targetEnd, reason);
        });
    }

    private final class End implements FrameLink {
        private final boolean fromTarget;

        End(boolean fromTarget) {
            this.fromTarget = fromTarget;
        }

        @Override
        public void send(ByteBuffer frame) {
            if (closed.get()) {
                return;
            }
            loop.execute(() -> {
                if (closed.get()) {
                    return;
                }
                if (fromTarget) {
                    server.receive(frame);
                } else {
                    endpoint.receive(targetEnd, frame);
                }
            });
        }

        @Override
        public void close(String reason) {
            LocalLink.this.close(reason);
        }

        @Override
        public String toString() {
            return "LocalLink[" + endpoint.nodeId() + (fromTarget ? ", target end]" : ", replica end]");
        }
    }
}
