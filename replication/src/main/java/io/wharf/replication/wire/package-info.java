/**
 * The replication wire protocol: the messages peers exchange over TCP and their frame codec. Pure
 * code (no sockets, threads or clock), so the replication state machine and the simulator can use
 * it as the node's transport does.
 *
 * <p><b>Conversation.</b> The connecting side (the target) sends {@code HELLO}; the other (the node
 * holding the data) answers {@code HELLO_OK}, or a {@code REPLY} with {@code UNSUPPORTED_VERSION} or
 * {@code CLUSTER_MISMATCH} and closes. Then {@code OPEN} a volume (answered by {@code OPENED} with a
 * handle, or an error {@code REPLY}) and send I/O requests naming the handle. Requests are pipelined:
 * many may be outstanding, and replies come in completion order, paired with their request by the
 * request id (chosen by the requester, unique among its outstanding requests on the connection).
 *
 * <p><b>Frame</b> = 56-byte header + payload. All integers big-endian; "u" unsigned.
 * <pre>
 * offset size field
 *      0    4 magic            0x57485250 ("WHRP")
 *      4    2 version          u16, protocol version of the sender (1)
 *      6    2 type             u16, MessageType code (table below)
 *      8    2 flags            u16, bit 0 FUA, bit 1 NO_HOLE; only those the type allows
 *     10    2 status           u16, Status code in REPLY; 0 in every other type
 *     12    4 volume handle    u32, from OPENED; non-zero in volume requests, else 0
 *     16    8 request id       u64, any value; a reply repeats its request's
 *     24    8 epoch            s64 &gt;= 0, the sender's epoch of the volume (OPEN, OPENED, volume requests), else 0
 *     32    8 offset           s64 &gt;= 0, byte offset of ranged requests, else 0
 *     40    4 length           u32, byte length of ranged requests, else 0
 *     44    4 payload length   u32, bytes following the header
 *     48    4 payload CRC32C   of the payload bytes (0 for an empty payload)
 *     52    4 header CRC32C    of header bytes 0..51
 * </pre>
 *
 * <pre>
 * type           code flags        handle epoch range payload
 * HELLO          0x01 -            -      -     -     string cluster id, string node id
 * HELLO_OK       0x02 -            -      -     -     string cluster id, string node id
 * OPEN           0x03 -            -      yes   -     string volume id
 * OPENED         0x04 -            yes    yes   -     u64 size bytes, u32 block size bytes
 * CLOSE          0x05 -            yes    yes   -     -
 * READ           0x10 -            yes    yes   yes   -            (length &lt;= 1 MiB)
 * WRITE          0x11 FUA          yes    yes   yes   the data     (length = payload length &lt;= 1 MiB)
 * FLUSH          0x12 -            yes    yes   -     -
 * TRIM           0x13 FUA          yes    yes   yes   -
 * WRITE_ZEROES   0x14 FUA NO_HOLE  yes    yes   yes   -
 * EXTENTS        0x15 -            yes    yes   yes   -
 * REPLY          0x20 -            -      -     -     OK: read data | extent list | empty;
 *                                                     error: error detail
 * </pre>
 * A string is u16 byte length + UTF-8, 1 to 255 bytes. An extent list is u32 count (at most 4096),
 * then per run u64 length (&gt; 0) and u32 flags (bit 0 allocated). An error detail is u16 length +
 * ErrorCode name (ASCII), u16 length + message (UTF-8, at most 1024 bytes). Structured payloads
 * (HELLO, HELLO_OK, OPEN, OPENED) are at most 1024 bytes; no payload is over 1 MiB. Codes 0x40-0x7F are
 * reserved for synchronous replication.
 *
 * <p><b>Synchronous replication</b> ({@link io.wharf.replication.wire.SyncMessage},
 * {@link io.wharf.replication.wire.SyncFrameCodec}): requests in the reserved range, same header, same
 * version, same rules; a separate family (type enum, records, codec) so that code switching
 * exhaustively over the version-1 {@code Message}/{@code MessageType} is untouched. A receiver reads
 * the header's type code and hands the frame to the codec of its range; a receiver that does not know
 * these types refuses them as {@code UNKNOWN_TYPE}, so mixed-version clusters must upgrade every node
 * before a volume gets more than one replica. Answers are {@code OPENED} and {@code REPLY}.
 * <pre>
 * type           code flags   handle epoch range payload
 * OPEN_FENCED    0x41 CREATE  -      yes   -     string volume id, u64 size bytes   (answer: OPENED;
 *                                                a smaller replica grows to the size first)
 * GET_REGIONS    0x42 -       yes    yes   -     u8 log (1 activity, 2 dirty), dirty: string peer
 *                                                (answer: REPLY OK, payload u8 present + region set)
 * TRACK_PEER     0x43 -       yes    yes   -     string peer, region set
 * UNTRACK_PEER   0x44 -       yes    yes   -     string peer
 * SETTLE_REGIONS 0x45 -       yes    yes   -     region set
 * GROW_VOLUME    0x46 -       yes    yes   -     u64 size bytes (larger; the replica's region sets are
 *                                                carried to the grown geometry before the reply)
 * SNAPSHOT_VOLUME 0x47 -      yes    yes   -     string snapshot id (the replica snapshots its copy)
 * REVERT_VOLUME  0x48 -       yes    yes   -     string snapshot id (the replica reverts its copy to it)
 * </pre>
 * Flag bit 2 is CREATE (OPEN_FENCED only). A region set is u32 region count (at most 8,000,000) and
 * {@code ceil(count / 8)} bytes, region {@code i} in bit {@code i % 8} of byte {@code i / 8}, no bit set
 * at or past the count ({@link io.wharf.replication.wire.RegionBits}). OPEN_FENCED, UNTRACK_PEER, GROW_VOLUME,
 * SNAPSHOT_VOLUME and REVERT_VOLUME payloads are structured (at most 1024 bytes); TRACK_PEER and SETTLE_REGIONS at most 1 MiB. 0x40 stays
 * unassigned. Fencing semantics (a replica refusing an epoch lower than one it accepted, with
 * {@code STALE_EPOCH}) come with OPEN_FENCED sessions; a version-1 OPEN is unchanged and unfenced.
 *
 * <p><b>Invariants</b> (checked by {@link io.wharf.replication.wire.FrameCodec}; any violation is a
 * typed {@link io.wharf.replication.wire.DecodeError}, never an exception):
 * <ul>
 *   <li>Checks run in this order: magic (as soon as 4 bytes are there), header checksum (so a corrupted header is reported as
 *       corruption, not as whatever field it hit), version, type, flags, fields, limits; the payload
 *       checksum and body when the payload has arrived.</li>
 *   <li>A field a type does not use is zero; a flag a type does not allow is clear. New meanings
 *       come with a new version or a new type, never by reinterpreting a field.</li>
 *   <li>Lengths are bounded before anything is allocated: a payload over 1 MiB, a structured payload
 *       over 1 KiB or a read over 1 MiB is refused from the header alone.</li>
 *   <li>The header layout and the HELLO/HELLO_OK bodies are frozen for all versions: HELLO and
 *       HELLO_OK decode whatever their version, so a node can answer a peer of another version
 *       with a clear refusal. Every other frame must carry version {@value
 *       io.wharf.replication.wire.FrameCodec#PROTOCOL_VERSION}.</li>
 *   <li>Version-1 sessions (OPEN) do not enforce epochs; sessions opened with OPEN_FENCED do (status
 *       {@code STALE_EPOCH}), with no format change.</li>
 * </ul>
 *
 * <p>After a malformed frame the stream cannot be trusted: the receiver closes the connection.
 */
package io.wharf.replication.wire;
