/**
 * The core's calls as frames of {@code io.wharf.replication.wire}: {@link
 * io.wharf.replication.sync.frames.FrameEndpoint} implements {@code ReplicaEndpoint} over a {@link
 * io.wharf.replication.sync.frames.FrameLink} (one connection; sessions die with it), {@link
 * io.wharf.replication.sync.frames.FrameServer} turns the frames of one connection into {@code
 * ReplicaVolume} calls and their answers into reply frames.
 *
 * <p>Invariants: a reply completes only the request of the same id sent on the same link; a request
 * frame delivered twice is applied once (request ids of a connection only grow, a window of 65,536
 * remembers which were seen); a malformed frame ends the connection. The simulator carries these
 * frames, encoded, over its network; the node's transport can carry them over TCP.
 */
package io.wharf.replication.sync.frames;
