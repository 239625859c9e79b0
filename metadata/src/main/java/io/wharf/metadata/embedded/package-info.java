/**
 * {@link io.wharf.metadata.embedded.EmbeddedStore}: the crash-safe single-node
 * {@link io.wharf.metadata.ClusterStore} used by {@code wharf up}.
 *
 * <h2>On disk</h2>
 * One directory, owned exclusively:
 * <pre>
 * LOCK                     OS file lock (held while open; released by the kernel on crash) + holder pid
 * snapshot.bin             key space at one revision (see SnapshotFile), replaced atomically
 * snapshot.bin.tmp         a snapshot being written; deleted on open
 * wal-&lt;20-digit rev&gt;.log   log segments; the number is the revision of the segment's first record
 *
 * segment  := "WHARFLOG" formatVersion:u32(=1) firstRevision:u64 frame*
 * frame    := length:u32 crc32c:u32 payload       crc over the length bytes and the payload
 * payload  := record+                             consecutive revisions (one group commit)
 * record   := revision:u64 count:u32 op*count
 * op       := 0x01 keyLength:u32 key valueLength:u32 value leaseId:u64   put
 *           | 0x02 keyLength:u32 key                                    delete (of an existing key)
 * snapshot := "WHARFSNP" formatVersion:u32(=1) revision:u64 count:u64 entry* crc32c:u32
 * entry    := keyLength:u32 key valueLength:u32 value createRevision:u64 modRevision:u64 version:u64 leaseId:u64
 * </pre>
 * Big-endian throughout. Each committed transaction that changes something is one record at
 * the next revision; per-key counters are not logged, replay recomputes them. A frame is what
 * one forced write appended: the records of one group commit.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A write is acknowledged only after its frame is forced ({@code FileChannel.force}); readers
 *       never observe a write that is not yet durable (they wait on the state lock during the force).
 *   <li>Frames are contiguous in revision across segments; the snapshot plus the frames after its
 *       revision are the whole state. A segment is deleted only after a snapshot covering it is
 *       durable (written, forced, renamed, directory forced).
 *   <li>A frame is written only after the previous one is durable, so only the last frame can
 *       be torn. Recovery truncates a short or checksum-failing frame at the end of the last
 *       segment; a bad frame with an intact frame anywhere after it, a bad frame in an earlier
 *       segment, or a checksummed frame that does not decode is corruption of acknowledged
 *       writes, and the open fails with {@code DATA_DIR_INVALID} rather than silently dropping
 *       them. (Damage confined to the very last frame is indistinguishable from a torn write.)
 *   <li>A failed write or fsync is never retried: the store stops ({@code IO_ERROR}) and the
 *       node recovers from the log on restart.
 *   <li>Leases are in memory only; on open, keys attached to leases of an earlier process are
 *       deleted in one logged transaction before the store serves anyone.
 *   <li>Watch history is an in-memory ring of the last {@code historyRevisions} revisions,
 *       starting after the snapshot revision on open; older watches are told they were compacted.
 * </ul>
 *
 * <h2>Threads</h2>
 * One commit thread (group commit, bounded queue of 1024 commands, batches of up to 256), one
 * lease-expiry thread, one snapshot thread, and a virtual thread per watch.
 */
package io.wharf.metadata.embedded;
