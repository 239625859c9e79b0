/**
 * Backups of volume images to object storage: chunked, deduplicated, compressed, optionally
 * encrypted; restore; retention and garbage collection. Entry point: {@link
 * io.wharf.backup.BackupEngine} (one per target); the caller supplies a {@link
 * io.wharf.backup.VolumeSource} (a snapshot, with the ranges changed since the base backup's
 * snapshot) and a {@link io.wharf.backup.RestoreDestination} (a new volume). Targets are in {@link
 * io.wharf.backup.target}, object formats and key layout in {@link io.wharf.backup.format}, keys in
 * {@link io.wharf.backup.crypto}.
 *
 * <h2>Chunks</h2>
 * A volume image is cut into fixed chunks aligned to offsets ({@code chunkSizeBytes}, 4 MiB by
 * default; chunk {@code i} is {@code [i * size, (i + 1) * size)}, the last one shorter). An all-zero
 * chunk is stored nowhere. Any other chunk is named by its id (SHA-256 of the plaintext, or
 * HMAC-SHA256 under a derived key for an encrypted target) and stored once per target under {@code
 * chunks/<2 hex>/<id>}: backups of any volume in the target that hold the same chunk share it.
 * A backup's manifest lists every chunk that holds data; an incremental copies the unchanged
 * entries of its base, so every manifest is complete and a restore reads one manifest.
 *
 * <h2>Backup, crash and resume</h2>
 * {@link io.wharf.backup.BackupRun}: (1) write the marker {@code inprogress/<id>/marker}; (2) wait
 * until no garbage collection runs; (3) plan (full or incremental, which chunks to read) and write
 * journal segment 0 with the plan and the chunks copied from the base, reserved; (4) per window of
 * chunks: read and hash; append a journal segment reserving their ids (with the chunks finished
 * in the previous window); wait until no collection runs; per id: if the target has it, reuse it,
 * else compress, encrypt and put it; (5) write the summary, then the manifest — <b>the commit
 * point</b>: a backup is listed, restorable and a base only once its manifest exists — then delete
 * the journal and, last, the marker.
 * <p>A process killed anywhere (kill -9) leaves a marker and a journal; {@link
 * io.wharf.backup.BackupEngine#inProgress} lists them. Creating the same backup id again with the same
 * image resumes: the plan is read back from the journal (so the same base and chunk set), chunks the
 * journal records done are skipped without reading, and every other chunk is read and hashed but
 * uploaded only if the target does not already hold it, so nothing uploaded before the kill is
 * uploaded again. Objects are written whole (atomic put), so a killed put leaves the old object or
 * none. A crash after the manifest and before the cleanup is harmless: creating the id again returns
 * the complete backup and removes the leftovers.
 *
 * <h2>Garbage collection, and why it is safe while backups run</h2>
 * {@link io.wharf.backup.GarbageCollector} deletes chunks that no manifest and no in-progress journal
 * names. The danger is a backup that relies on a chunk it did not upload (found in the target by
 * id, or copied from its base's manifest) while a collection deletes it. Protocol:
 * <ul>
 * <li><b>Collector</b>: (C1) write its record {@code gc/<runId>} (RUNNING, heartbeat); (C2) list
 *     chunks; (C3) read the journals of all in-progress backups; (C4) list and read all manifests;
 *     (C5) delete chunks found in C2 and named in neither C3 nor C4; (C6) record FINISHED. It
 *     refreshes the heartbeat while it works and stops before any delete once its last heartbeat is
 *     older than half of {@code gcStaleAfter}. An unreadable manifest or journal stops it before any
 *     delete.</li>
 * <li><b>Backup</b>: (B1) before it relies on chunk X, it puts a journal segment that names X
 *     (reserved or done); (B2) after that put returns it lists {@code gc/} and waits while any
 *     record is RUNNING with a heartbeat younger than {@code gcStaleAfter}; (B3) only then does it
 *     check whether the target has X (and uploads it if not). The journal stays until after the
 *     manifest that names X is written.</li>
 * </ul>
 * Claim: a chunk a backup relies on is never deleted. Take a collection G and a chunk X that a
 * backup B relies on. The target is linearizable per key and for listings (see {@link
 * io.wharf.backup.target.BackupTarget}).
 * <ol>
 * <li>If G's record (C1) was written before B's check (B2), B saw G running and waited until G ended,
 *     so B's existence check (B3) sees G's deletes: X is uploaded again if G deleted it. If G's
 *     heartbeat went stale instead, G stopped deleting at half that age (clock skew between hosts must
 *     stay below half of {@code gcStaleAfter}, default 10 min).</li>
 * <li>Otherwise C1 came after B2, so after B1: G's read of journals (C3) sees B's segment naming X
 *     unless B's journal was deleted before C3; B deletes its journal only after writing its manifest,
 *     so then the manifest existed before C4 and names X. Either way X is a root of G.</li>
 * <li>X copied from a base manifest without a check: B reserves the copied ids in segment 0 right
 *     after planning, and segment 0 records the collection runs present at B's start (after
 *     waiting for running ones). If, at B's first check, a run exists that is not in that set, a
 *     collection may have run between B's reading of the base manifest and segment 0 (the base may
 *     have been deleted meanwhile): B then checks every copied chunk in the target and reads any
 *     missing one again. If not, every collection that read manifests after B read the base either
 *     saw the base's manifest or B's segment 0 (point 2).</li>
 * </ol>
 * Deleting a backup deletes only its manifest (and summary); its chunks go at a later collection,
 * unless another manifest or journal names them. A chunk younger than {@code GcOptions.minChunkAge}
 * (one hour by default) is kept anyway: a second line of defence against writers that do not follow
 * the protocol. Restores are not protected: deleting a backup while it is being restored and
 * collecting garbage can fail that restore (CHUNK_MISSING), never another backup.
 *
 * <h2>Restore</h2>
 * One manifest; every chunk verified (GCM tag or SHA-256 trailer, length, and the id recomputed from
 * the plaintext) before it is written; a missing or corrupt chunk fails the restore with the chunk id
 * and volume offset; the destination is discarded after the last write ended; success only after
 * the destination's flush. See {@link io.wharf.backup.RestoreDestination} for the caller's side.
 *
 * <h2>Threads</h2>
 * A backup reads and hashes on up to {@code min(concurrency, cores)} platform threads and talks to
 * the target on virtual threads, at most {@code concurrency} requests at once; memory is bounded by
 * two windows of {@code 2 * concurrency} chunks. Source reads are never interrupted (an interrupt
 * would close a storage volume's file channel); a caller's interrupt is seen between windows.
 */
package io.wharf.backup;
