/**
 * The objects of a backup target and their encodings. Keys (relative to the target's root):
 * <pre>
 * wharf-backup.json                   TargetDescriptor, plaintext JSON: format, encryption parameters
 *                                     (cipher, kdf, iterations, salt, key check); written once
 * chunks/&lt;id[0..2]&gt;/&lt;id&gt;              a chunk: envelope (kind CHUNK) of up to chunkSizeBytes of volume
 *                                     data; id = 64 hex digits (SHA-256, or HMAC-SHA256 when encrypted)
 * manifests/&lt;backupId&gt;.summary        envelope (SUMMARY) of JSON {format, info}: what listing reads
 * manifests/&lt;backupId&gt;.manifest       envelope (MANIFEST) of JSON {format, info, chunks: [{index, id,
 *                                     storedBytes}...]}: the commit point of a backup, written last
 * inprogress/&lt;backupId&gt;/marker        envelope (MARKER) of JSON: volume, labels, createdAt, request
 * inprogress/&lt;backupId&gt;/journal-&lt;n&gt;   envelope (JOURNAL) of JSON: plan (segment 0 and checkpoints),
 *                                     reserved ids, done chunks, zero chunks, byte counters; every
 *                                     64th segment is a checkpoint that repeats everything
 * gc/&lt;runId&gt;                          envelope (GC_RUN) of JSON: state RUNNING/FINISHED/ABORTED,
 *                                     startedAt, heartbeatAt
 * </pre>
 * Backup ids and GC run ids are {@code yyyyMMdd-HHmmss-<8 hex>} (UTC) unless the caller names a
 * backup; ids never contain volume names, so an encrypted target's keys reveal nothing but sizes
 * and times.
 *
 * <h2>Envelope</h2>
 * <pre>
 * offset  size  field
 * 0       4     magic "WHBK"
 * 4       1     format version (1)
 * 5       1     kind (1 chunk, 2 manifest, 3 summary, 4 marker, 5 journal, 6 gc run)
 * 6       1     flags: bit 0 encrypted
 * 7       1     codec: 0 stored, 1 zstd, 2 deflate
 * 8       4     plaintext length (big-endian)
 * 12      ...   plaintext target: body (codec-compressed plaintext), then SHA-256 of the plaintext (32)
 *               encrypted target: nonce (12), AES-256-GCM ciphertext of the body, tag (16); the
 *               associated data is the 12 header bytes followed by the object's key (UTF-8), so an
 *               object moved to another key, or a header changed, fails its tag
 * </pre>
 * Decoding checks magic, version, kind, the encryption flag against the target, the length bound,
 * the tag or the SHA-256, and the decompressed length; any failure is a {@link
 * io.wharf.backup.format.CorruptObjectException} that says which. The metadata JSON ignores unknown
 * fields, so a later minor version can add fields; a new format version is refused with a clear
 * error by older readers.
 */
package io.wharf.backup.format;
