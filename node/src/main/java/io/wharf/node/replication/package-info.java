/**
 * Synchronous replication on the node: the environment that {@code io.wharf.replication.sync} (pure
 * logic on a {@code Scheduler}) runs in, with real threads, sockets and disks. The simulator's
 * {@code SimNode} is the same environment under seeded faults.
 *
 * <ul>
 *   <li>{@link io.wharf.node.replication.ReplicationLoop}: the one event loop of the node's
 *       replication; every core object (targets, {@code ReplicaVolume}s, {@code FrameEndpoint}s,
 *       {@code FrameServer}s) lives on it.</li>
 *   <li>{@link io.wharf.node.replication.ReplicaHost}: the replica side. A {@code ReplicaVolume} per
 *       volume of the local pool, made once per process from its metadata file; a {@code FrameServer}
 *       per TCP connection through the {@code ReplicaServer}.</li>
 *   <li>{@link io.wharf.node.replication.PeerLinks}: the target's ways to replica nodes, one
 *       {@code FrameEndpoint} per other node over TCP ({@code io.wharf.node.transport.FrameChannel}), and
 *       a {@code LocalEndpoint} that calls this node's own replica directly (no frames: nothing to
 *       encode, checksum or decode for data that never leaves the process).</li>
 * </ul>
 *
 * <p><b>Threads.</b> The loop (one platform thread) runs the core, the frame servers and endpoints,
 * and every completion. Storage calls (reads, writes, trims, flushes of pool volumes) run on virtual
 * threads, at most 32 at once, except writes while writes have recently been as fast as the page
 * cache ({@code io.wharf.node.transport.CallPace}): those run on the loop itself, which saves two
 * thread wake-ups per write, and still complete on a later turn of the loop. Metadata files are loaded and saved on virtual threads, at most 8
 * at once; each hands its outcome back through the loop. Sockets are read by a reader thread per
 * connection and written by a writer thread per connection; the loop only queues frames.
 *
 * <p><b>On disk.</b> {@code <data dir>/replicas/<volume id>.replica}: the volume's
 * {@code ReplicaMetadata} (highest accepted epoch, activity log, a dirty map per tracked peer, CRC32C;
 * format in {@code io.wharf.replication.sync.replica}), replaced atomically ({@code AtomicFile}:
 * temporary file, fsync, rename, directory fsync). A damaged file fails the open (IO_ERROR) and is
 * never guessed at. Creating a volume through {@code OPEN_FENCED} replaces a stale file;
 * {@link io.wharf.node.replication.ReplicaHost#forget} deletes it with the volume.
 *
 * <p><b>Invariants.</b>
 * <ul>
 *   <li>The loop never blocks on a socket or a file. (It takes a volume's file lock only to publish a
 *       newly opened replica; at that moment only a save of an earlier, forgotten replica of the same
 *       id can hold it.)</li>
 *   <li>A session dies with its link: a link that broke is reported to its endpoint (every request on
 *       it fails, its sessions fail every later call) and never reused; the next open makes a new link,
 *       hence a new TCP connection, so no session survives the replica process either. A replica
 *       process that restarts loads its replicas afresh from their files.</li>
 *   <li>State is saved before answering: an open answers once its epoch is in the metadata file, a
 *       write or trim touches data only once its regions are in the file (activity log and every
 *       dirty map), a track answers once the map is in the file ({@code ReplicaVolume} waits for the
 *       saves; they complete only after the atomic replace). A failed save stops that replica.</li>
 *   <li>Every wait is bounded: frames queued and received per connection (see
 *       {@code io.wharf.node.transport}), connecting and each socket write by the request timeout,
 *       storage calls by their permits.</li>
 * </ul>
 */
package io.wharf.node.replication;
