/**
 * The replication transport: the node's sockets and threads for the protocol of
 * {@code io.wharf.replication.wire}. {@link io.wharf.node.transport.ReplicaServer} serves the volumes
 * of the local pool to peers; {@link io.wharf.node.transport.RemoteVolume} (through a
 * {@link io.wharf.node.transport.ReplicaClient}, one per peer) is a {@link io.wharf.storage.Volume}
 * whose data is on a peer, so the NBD server serves it like a local one. It also carries the frames
 * of synchronous replication ({@link io.wharf.node.transport.FrameChannel}) between a target's
 * {@code FrameEndpoint} and a replica's {@code FrameServer}. No replication logic (epochs, fencing,
 * resync) lives here: that is {@code io.wharf.replication.sync}, run by {@code io.wharf.node.replication}.
 *
 * <p><b>Snapshots</b> open read-only on a version-1 connection as {@code VOLUME@SNAPSHOT} (storage
 * ids), whose extents are the blocks the snapshot holds, or {@code VOLUME@SNAPSHOT^BASE}, whose extents
 * are the blocks changed since snapshot {@code BASE} ({@link io.wharf.node.transport.SnapshotChanges});
 * writes to them are refused, and the connection closes the view with the handle. A target copying
 * snapshots into a copy being rebuilt reads them so from a node that holds them.
 *
 * <p><b>Server threads</b> (as the NBD server): per connection one platform reader thread decodes
 * frames through a 64 KiB read-ahead and reads write payloads into pooled direct buffers. A request
 * that is neither a FLUSH nor FUA runs on the reader while the pool has recently been fast for its
 * kind and size ({@link io.wharf.node.transport.CallPace}): small reads (up to 256 KiB), small writes
 * (up to 32 KiB) and other calls within 50 µs on average, larger reads and writes at 2 GiB/s or more
 * (the page cache's speed); otherwise on a virtual thread of its own, so that slow requests of one
 * connection overlap. Volume calls hold one of {@code ioThreads} permits. Replies of requests run on the reader
 * are queued and written together just before the reader next blocks (on the socket or on a limit),
 * so a burst of pipelined requests costs one read and one gathering write.
 *
 * <p><b>Client threads:</b> callers send their own frames, and callers that arrive while another is
 * writing have their frames written by it in the same gathering write (flat combining in
 * {@link io.wharf.node.transport.Outbox}; no writer thread, no hand-off). One platform reader thread
 * per connection pairs replies with waiting callers by request id and reads a read's data straight
 * into the caller's buffer; the caller checks its CRC32C. A caller returns only when its frame has
 * left the outbox and its reply has arrived or failed, so no thread touches a caller's buffer after
 * the call returned. Asynchronous calls ({@link io.wharf.node.transport.RemoteVolume#readAsync},
 * {@code writeAsync}: what the NBD server uses for a remote target's reads and writes) have no
 * waiting caller: whichever thread finishes the request (usually the reader, after checking the
 * data's CRC32C) gives the slot back and runs the completion, which writes the NBD reply. A remote
 * request then costs no thread wake-up beyond the two sockets' readers.
 *
 * <p><b>Two kinds of server connection.</b> After Hello, the first request decides what a
 * connection carries, for good. A version-1 request (OPEN, ...) makes it a version-1 connection, as
 * {@code RemoteVolume} uses; a synchronous-replication frame ({@code SyncFrameCodec.isSyncType}, type
 * codes 0x41-0x45, {@code OPEN_FENCED} first) makes it a frame connection: from then on every frame
 * (the sync types and the version-1 READ/WRITE/TRIM/FLUSH/CLOSE on handles from {@code OPEN_FENCED})
 * is read whole and handed to the connection's {@code FrameServer}, made by the server's
 * {@link io.wharf.node.transport.FrameHost} (the node's replica host) and run on its loop. A sync frame
 * on a version-1 connection, or a version-1 OPEN (or anything malformed) on a frame connection, is a
 * protocol error: that connection is closed with a log line. A server without a host answers the
 * first sync frame with an UNAVAILABLE error and closes the connection.
 *
 * <p><b>Frame connections</b> ({@link io.wharf.node.transport.FrameChannel}; on a replica the
 * connection's reader thread, on a target a platform reader thread per link, made by
 * {@link io.wharf.node.transport.FrameChannel#connect}): the reader reads a header, has its codec
 * verify it (so the payload is known to be at most 1 MiB before anything is allocated), reserves room
 * for the frame, reads it into a buffer of its own (on a replica a pooled direct one,
 * {@link io.wharf.node.transport.FrameBuffers}, reused once the request is answered) and hands it to the loop. The loop's
 * {@code send} only queues the frame in the {@link io.wharf.node.transport.Outbox} and wakes a writer
 * (virtual) thread: the loop never touches a socket. Room on a replica: the frames of requests not yet
 * answered, within the connection's {@code maxConnectionBufferBytes} and the server's
 * {@code maxBufferBytes} (released when the reply has been written; request ids must grow, so nothing
 * unanswered stays held); on a target, frames handed to the loop and not yet handled
 * ({@link io.wharf.node.transport.LinkConfig#maxReceivedBytes}). Frames waiting to be sent are bounded
 * too ({@code maxQueuedBytes}); past the bound, or when a write makes no progress within the timeout
 * (the server's watchdog, or the target's on its loop), the connection is closed. A closed frame
 * connection tells its owner once, on the loop: the target's endpoint hears the link broke (its
 * requests fail, its sessions are dead), the replica's frame server is closed. It is never reused.
 *
 * <p><b>Failures.</b> Volume errors cross the wire as status codes carrying the core
 * {@link io.wharf.core.ErrorCode} name ({@code WireErrors} is the one table) and come out as the
 * exception a local volume would throw. A connection that fails (lost, malformed or corrupt frame,
 * no reply within the request timeout) fails every request waiting on it with a
 * {@link io.wharf.node.transport.PeerException} naming the peer; the next call reconnects. On the
 * server, a peer that breaks the protocol loses its connection, with a log line, and nobody else
 * notices.
 *
 * <p><b>Invariants:</b>
 * <ul>
 *   <li>Memory is bounded by configuration: per server connection at most
 *       {@code maxRequestsInFlightPerConnection} requests and {@code maxConnectionBufferBytes} of
 *       payload (the reader stops reading at either bound: TCP backpressure), over all connections
 *       {@code maxBufferBytes}; per client connection {@code maxRequestsInFlightPerConnection} slots.
 *       No payload-sized buffer is allocated per request on either side.</li>
 *   <li>No wait is unbounded: a watchdog on each side cuts off a peer that does not take frames, a
 *       server cuts off a peer that does not say Hello, and a client fails a connection on which a
 *       request had no reply within the timeout.</li>
 *   <li>Request threads are never interrupted (an interrupt would close the pool's file channels).</li>
 *   <li>The server reader never blocks while holding queued replies: it writes them first, since
 *       they may be what frees the permits it waits for.</li>
 * </ul>
 */
package io.wharf.node.transport;
