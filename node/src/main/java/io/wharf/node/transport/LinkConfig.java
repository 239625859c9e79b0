package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.replication.wire.FrameCodec;

/**
 * Settings of a target's {@link FrameChannel} links to replica nodes; validated on construction.
 *
 * @param clusterId        sent in Hello; a replica of another cluster refuses the link
 * @param localNodeId      this node, as told to the replica
 * @param timeoutNanos     connecting and saying Hello, and each write to the socket, must finish within
 *                         this time, or the link is closed
 * @param maxQueuedBytes   frames waiting to be sent on one link; beyond it the peer is taken as not
 *                         taking frames and the link is closed
 * @param maxReceivedBytes frames read from one link and not yet handled by the loop; the reader waits
 *                         at the bound (TCP backpressure)
 */
public record LinkConfig(String clusterId, String localNodeId, long timeoutNanos, long maxQueuedBytes, long maxReceivedBytes) {
    public static final long DEFAULT_MAX_QUEUED_BYTES = 256L << 20;
    public static final long DEFAULT_MAX_RECEIVED_BYTES = 32L << 20;

    public LinkConfig {
        ReplicaServerConfig.checkName("cluster id", clusterId);
        ReplicaServerConfig.checkName("node id", localNodeId);
        long oneFrame = FrameCodec.HEADER_BYTES + (long) FrameCodec.MAX_PAYLOAD_BYTES;
        if (timeoutNanos <= 0 || maxQueuedBytes < oneFrame || maxReceivedBytes < oneFrame || maxReceivedBytes > Integer.MAX_VALUE) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "replication link setting out of range: timeout " + timeoutNanos
                    + " ns, queued " + maxQueuedBytes + " and received " + maxReceivedBytes + " bytes (each at least one frame, "
                    + oneFrame + ")", "fix the replication settings of the node");
        }
    }

    public static LinkConfig of(String clusterId, String localNodeId, long timeoutNanos) {
        return new LinkConfig(clusterId, localNodeId, timeoutNanos, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_RECEIVED_BYTES);
    }
}
