/**
 * The durable form of a layer's block map: a checkpoint file plus a journal ring of changes since.
 *
 * <h2>Journal ring (inside the layer file)</h2>
 * Records ({@link io.wharf.storage.journal.JournalRecord}) are appended at 512-byte aligned offsets
 * from the start of the ring. Each carries the ring's generation, a sequence number (consecutive),
 * its entries (block, {@link io.wharf.storage.journal.BlockState}, data CRC32C) and a CRC32C of
 * itself. The ring never wraps within a generation: when the next record does not fit, the owner
 * writes a checkpoint and restarts the ring at offset 0 with generation + 1 (the used part is
 * punched out, best effort).
 *
 * <h2>Checkpoint ({@code <layerId>.map})</h2>
 * {@link io.wharf.storage.journal.MapCheckpoint}: layer id, the generation that follows it, the next
 * sequence, and the map in pages of 1024 blocks (2 bits per block, all-DATA and all-ZERO pages
 * compressed to one byte), with a CRC32C trailer; replaced atomically. A new layer starts with an
 * empty checkpoint of generation 1.
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>The map of a layer = checkpoint, then records of the checkpoint's generation with sequences
 *     next, next+1, ... applied in order, stopping at the first record that is torn, stale, out of
 *     sequence or does not fit.</li>
 * <li>A block appears at most once per record.</li>
 * <li>A record is never rewritten; a sector holding a valid record is never written again within
 *     its generation.</li>
 * </ul>
 */
package io.wharf.storage.journal;
