/**
 * NBD transmission phase: reading requests, running them against the export, and writing
 * simple or structured replies.
 *
 * <p>Wire format (all integers big-endian):
 * <pre>
 * request (28 bytes): u32 0x25609513, u16 command flags, u16 type, u64 handle, u64 offset,
 *                     u32 length, then length bytes of data for NBD_CMD_WRITE only
 * simple reply:       u32 0x67446698, u32 error, u64 handle, then data for a successful read
 * structured chunk:   u32 0x668e33ef, u16 flags (DONE = 1), u16 type, u64 handle, u32 length,
 *                     payload: OFFSET_DATA (1) = u64 offset + data; BLOCK_STATUS (5) = u32
 *                     context id + (u32 length, u32 flags)*; ERROR (0x8001) = u32 error,
 *                     u16 message length, message
 * </pre>
 *
 * <p>Threads: per connection one reader (a platform thread, woken straight from the kernel)
 * parses requests through a read-ahead buffer and reads write payloads into pooled direct
 * buffers. A request then runs in one of two ways, always holding one of the server's
 * {@code ioThreads} export-call permits while it calls the export:
 * <ul>
 *   <li>on the reader itself, when the export has recently answered this kind of request (read,
 *       write, other) within 50 µs on average, the payload is small (reads up to 256 KiB, writes
 *       up to 32 KiB: receiving a larger write payload is worth overlapping with the previous
 *       write), and the command is neither FLUSH nor FUA. Handing a page-cache-speed request to
 *       another thread costs more CPU and latency than running it; measured against nbdkit this
 *       is what makes small random I/O competitive;</li>
 *   <li>otherwise on a virtual thread of its own, so that slow requests (disk, replication,
 *       flushes, large copies) of one connection overlap. A slow call raises the moving average
 *       and steers the following requests here until the export is fast again;</li>
 *   <li>except reads and writes of one buffer (up to 1 MiB), and flushes, to an asynchronous export (data on
 *       another node): the reader starts the call (a virtual thread does for writes over 32 KiB, so
 *       that sending one payload on overlaps with receiving the next) and goes on; the thread that
 *       completes it (the replication transport's reader) writes the reply and returns the slot. No thread waits for a
 *       remote request, and none is woken to answer it.</li>
 * </ul>
 * Either way the reply is written under the connection's write lock with one gathering write
 * (header and payload buffers, no copy). Replies may go out in any order. A client that stops
 * reading replies blocks only its own reader and parks only its own virtual threads; the server's
 * watchdog closes it after {@code ioTimeoutMs}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>At most {@code maxRequestsInFlightPerConnection} requests per connection are between
 *       header read and reply written; the reader blocks (TCP backpressure) at the bound.</li>
 *   <li>Payload memory is reserved before a payload is read and released after its reply is
 *       written, success or not; nothing of payload size is allocated per request.</li>
 *   <li>Every request that was read gets exactly one reply, except NBD_CMD_DISC (none) and requests
 *       cut off by a closing connection.</li>
 *   <li>When the stream cannot be resynchronised (bad request magic, a write payload above the
 *       maximum) the connection is closed after any reply that can still be sent; other
 *       connections are not affected.</li>
 *   <li>Request threads are never interrupted: an interrupt would close the export's file
 *       channels.</li>
 * </ul>
 *
 * <p>Errors: a request beyond the export size gets EINVAL (ENOSPC for writes and write-zeroes, as
 * the protocol recommends), an unknown command or a flag not valid for the command EINVAL, a
 * write to a read-only export EPERM, a fast zero the export cannot do quickly ENOTSUP, an
 * {@link io.wharf.nbd.NbdException} its own error, any other failure of the export EIO.
 */
package io.wharf.nbd.transmission;
