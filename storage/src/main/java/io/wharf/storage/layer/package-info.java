/**
 * Layers and the layer chain: the data path of a volume.
 *
 * <h2>Layer file ({@code <layerId>.layer}, sparse)</h2>
 * <pre>
 * [0, 4 KiB)             {@link io.wharf.storage.layer.LayerHeader}: magic, version, layer id, geometry, CRC32C
 * [4 KiB, 4 KiB + J)     journal ring (J = 16 MiB by default; see {@link io.wharf.storage.journal})
 * [64 MiB, ...)          data: volume offset v at file offset 64 MiB + v; blocks not held are holes
 * </pre>
 * and its checkpoint {@code <layerId>.map} ({@link io.wharf.storage.journal.MapCheckpoint}).
 *
 * <h2>Chain</h2>
 * Layers are ordered base (ordinal 1) to head (ordinal n): the head's ancestor path in the volume's
 * layer tree (the tree itself is kept by {@code io.wharf.storage}). Each layer holds, per 4 KiB block,
 * ABSENT, DATA or ZERO (reads zeros even if a lower layer has data). At open the layers' maps are
 * merged base first into the {@link io.wharf.storage.index.ExtentIndex}, so a read resolves a block
 * with one lookup whatever the depth. Only the head changes; snapshot layers are sealed heads.
 *
 * <h2>Seal, extend, absorb</h2>
 * {@link io.wharf.storage.layer.LayerChain#extend} seals the head (a last flush; its newest record is
 * then treated as confirmed, because the layer's data never changes again) and stacks a new empty
 * head on the same index: O(1), the old head's entries keep their ordinal and are simply not the
 * head's any more. {@link io.wharf.storage.layer.LayerChain#absorb} copies into the head every block
 * the index resolves to a given sealed layer (its data, or its ZERO marker) where the head holds
 * nothing, under the block's region lock, through the ordinary journal: afterwards no entry resolves
 * to that layer, so it can leave the chain; reads are the same before, during and after. A sealed
 * layer file is written again only this way (when it is the child of a deleted snapshot: it is
 * opened as the head of a temporary chain) and only in blocks it did not hold. A read-only chain
 * (snapshot view) has no head and writes nothing.
 *
 * <h2>Write path (head)</h2>
 * Under the block's region lock: pwrite the block into the head file, then update its index entry.
 * A state change (ABSENT/ZERO to DATA, DATA to ABSENT/ZERO) makes the entry DIRTY and queues a
 * journal entry carrying the CRC32C of the block's new bytes (0 for non-data). Overwriting a block
 * that is already durable DATA writes the bytes and changes nothing else. Sub-block writes read
 * the current block through the chain, patch it and write the whole block (read-modify-write).
 * Trim punches holes (FALLOC_FL_PUNCH_HOLE) in the head's data and records ABSENT, or ZERO where a
 * lower layer could show through; where punching is unsupported it writes zeros instead.
 *
 * <h2>Flush</h2>
 * Takes every queued entry (DIRTY to INFLIGHT), appends them as one journal record, and calls
 * fdatasync once on the head file: data pwrites and the record are in the same file, so the one
 * sync covers both. Concurrent flushes share a sync (group commit). A flush with nothing queued is
 * a bare fdatasync, the cost of a plain file. When the ring is full, on clean close, and after a
 * recovery that replayed records, the flush writes a checkpoint instead and restarts the ring.
 *
 * <h2>Why recovery is correct</h2>
 * <ol>
 * <li>Records are appended in sequence and record k+1 is only written after the sync that made
 *     record k durable returned. So every record but the newest valid one was fully synced, with
 *     all the data it describes: replay applies them as they are.</li>
 * <li>The newest record may come from a sync that did not complete (power loss): its bytes may be
 *     on disk while some of the data blocks it describes are not, or are torn. For each of its DATA
 *     entries recovery compares the block's bytes with the recorded CRC32C; on mismatch the entry
 *     is dropped and the block keeps its previous state (its torn bytes are punched out), so it
 *     reads old content, never a mix. These writes were not covered by a completed flush, so old
 *     content is allowed.</li>
 * <li>That check would be wrong if a block of the newest record were legitimately changed after
 *     its sync (an overwrite, which adds no record): recovery would see a mismatch and drop data a
 *     completed flush had covered. So a block whose newest record is INFLIGHT or UNCONFIRMED (its
 *     record is the newest synced one) is not changed on disk until a later record confirms it: the
 *     writer first runs a flush, which appends a record (possibly empty) after the synced one.
 *     Every flush with unconfirmed blocks appends such a record anyway, so this costs an extra sync
 *     only when a block is rewritten between the flush that created it and the next flush.</li>
 * <li>Records whose generation is not the checkpoint's, or whose sequence is not the next, are
 *     stale or torn: replay stops. A checkpoint is written (temp, fsync, rename, directory fsync)
 *     only after a sync made all the data it declares durable; only then does the ring restart with
 *     the next generation, so a crash during a checkpoint leaves the old checkpoint with its
 *     intact ring, or the new checkpoint whose generation makes the old ring's records stale.</li>
 * <li>A block whose data reached the disk but whose record did not keeps its old state (ABSENT):
 *     it reads old content; its space is leaked until the block is written again.</li>
 * <li>After replaying any record, open writes a checkpoint at once, so the decisions of step 2
 *     are durable before a new record could turn the newest record into an older one.</li>
 * </ol>
 * Not covered: a device that tears a 4 KiB overwrite of a block already durable as DATA (no
 * record is involved) leaves a mix of old and new; like a plain file on such a device.
 *
 * <h2>Failures</h2>
 * ENOSPC from a write or a journal append surfaces as NO_SPACE with the block maps unchanged
 * (pending records of the failed write are recomputed from what the file holds). A failed
 * fdatasync stops the volume: every later call fails until the pool is reopened and recovers.
 */
package io.wharf.storage.layer;
