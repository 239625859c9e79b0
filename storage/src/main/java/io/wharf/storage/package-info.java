/**
 * The on-disk replica store of a node: a {@link io.wharf.storage.Pool} of thin {@link
 * io.wharf.storage.Volume}s, each the head of a tree of layers (see {@link io.wharf.storage.layer}),
 * with snapshots, read-only snapshot views ({@link io.wharf.storage.SnapshotVolume}), revert and
 * clones.
 *
 * <h2>Pool directory</h2>
 * <pre>
 * pool.lock                      fcntl lock (FileChannel.tryLock) held while the pool is open
 * pool.meta                      "wharf-pool" checksummed text: formatVersion=1; written last at creation
 * volumes/&lt;volumeId&gt;/            one directory per volume
 *     volume.meta                "wharf-volume" checksummed text, format 2 (see VolumeMetadata): id,
 *                                sizeBytes, head, the layer table (parent, owned/shared, data blocks),
 *                                the named snapshots; the single commit point of the volume's tree
 *     &lt;layerId&gt;.layer            an owned layer: header | journal ring | data direct-mapped from 64 MiB
 *     &lt;layerId&gt;.map              checkpoint of the layer's block map
 * layers/                        layers shared by several volumes (clones), same two files per layer;
 *                                reference-counted: a file here lives while some volume.meta lists it
 * staging/&lt;volumeId&gt;/            a volume (or clone) being created; never valid after a crash
 * trash/&lt;volumeId&gt;.&lt;uuid&gt;/       a volume being deleted; never valid after a crash
 * </pre>
 *
 * <h2>Layer tree</h2>
 * Each layer names its parent in {@code volume.meta}; the head's ancestor path (base first) is the
 * chain whose merged index serves reads, so read cost does not depend on the number of snapshots.
 * A snapshot is a sealed layer with a name; revert makes a new head whose parent is the snapshot's
 * layer, so later snapshots stay (the chain is a tree). A layer without a name that is neither the
 * head nor anyone's parent is dropped from the table ("pruned") at the next commit. A clone is a new
 * volume whose head's parent is a layer of the source; that layer and its ancestors move to {@code
 * layers/} (hard links, then the source's metadata marks them shared) and are listed in the clone's
 * metadata too. Owned layers are only ever in one volume's table; shared layers may be in several.
 * Limits: {@value io.wharf.storage.ChainVolume#MAX_SNAPSHOTS} named snapshots per volume, {@value
 * io.wharf.storage.ChainVolume#MAX_DEPTH} layers from base to head (12-bit ordinal of the index).
 *
 * <h2>Tree operations and why each is all-or-nothing</h2>
 * In every case the atomic replacement of {@code volume.meta} is the commit point; files made before
 * it are not named by any metadata (open deletes them), files dropped by it are deleted after it (or
 * by open). Open deletes, per volume directory, every {@code .layer}/{@code .map} the metadata does
 * not list as owned, and in {@code layers/} every layer no volume lists as shared.
 * <ul>
 * <li><b>Snapshot</b> (O(1)): flush the head; create the new head's files (synced, directory synced);
 *     commit metadata naming the old head as snapshot and the new head; seal the old head in memory
 *     (its newest journal record is now final: its data never changes again, so recovery's checksum
 *     check of that record stays true). Crash before the commit: the old head is still the head.
 *     After: the snapshot holds every write that completed before the call (the flush).</li>
 * <li><b>Revert</b>: create the new head's files; commit metadata with the new head over the
 *     snapshot's layer and without the old head (and pruned layers); reopen the chain; delete the
 *     dropped files.</li>
 * <li><b>Delete snapshot</b>: when no other volume lists the layer and it has one child no other
 *     volume lists (reference counting), first copy into the
 *     child every block of the layer the child does not hold (data, or ZERO marker), through the
 *     child's own journal, and flush/checkpoint it. This does not change what any reader sees (the
 *     child now holds what it showed through), so a crash here is harmless: the snapshot still
 *     exists and everything reads the same. Then commit metadata without the name and the layer
 *     (the child's parent becomes the layer's parent), reopen the chain if the head's path
 *     changed, delete the layer's files. Otherwise (a clone reads through it, or several children
 *     after a revert) only the name goes; the layer stays, unnamed, while something reads through
 *     it, and is pruned when nothing does.</li>
 * <li><b>Clone</b>: (clone of the current state: first a hidden snapshot, committed as above; after
 *     a crash it may remain, unnamed, costing nothing but a layer.) Hard-link the path's owned layer
 *     files into {@code layers/}, sync it; commit the source's metadata marking them shared
 *     (before: the links are garbage; after: the volume-directory names are garbage); then create
 *     the clone in {@code staging/} and rename it into {@code volumes/} as any create. The clone
 *     exists after a crash only if the rename happened, and then every layer it lists is durable.</li>
 * <li><b>Delete volume</b>: as before (rename into trash); then shared layers no volume lists any
 *     more are deleted: reference counting is "listed in some volume.meta", recomputed, never
 *     stored, so it cannot drift.</li>
 * </ul>
 *
 * <h2>Crash safety (kill -9 or power loss at any moment)</h2>
 * <ul>
 * <li><b>Create</b> builds the volume in {@code staging/}, fsyncs it, then renames it into
 *     {@code volumes/} and fsyncs that directory. Rename is atomic: after a crash the volume is
 *     either absent (staging is emptied at open) or complete.</li>
 * <li><b>Delete</b> renames the volume directory into {@code trash/} first (atomic), fsyncs, then
 *     removes it. After a crash the volume is whole in {@code volumes/} or gone; open empties
 *     {@code trash/}.</li>
 * <li><b>Resize</b> (grow only) replaces {@code volume.meta} atomically (temp, fsync, rename,
 *     directory fsync) before any write beyond the old size is accepted: old or new size.</li>
 * <li><b>Metadata files</b> (pool.meta, volume.meta, layer checkpoints) are only ever replaced
 *     atomically and carry a CRC32C; a {@code .tmp} left by a crash is deleted at open. A file
 *     that fails its checksum is corruption, reported as DATA_DIR_INVALID, never guessed at.</li>
 * <li><b>Data and block maps</b>: see {@link io.wharf.storage.layer}; in short, the journal record
 *     and the data it describes are made durable by one fdatasync, replay stops at the first torn
 *     or stale record, and the newest record's data checksums are verified so a record whose data
 *     did not reach the disk is dropped (the block reads its old content).</li>
 * <li><b>Process crash</b> (kill -9): the page cache survives, so everything written before the
 *     kill is in the files; every 4 KiB block is written with one page-aligned pwrite, which a
 *     signal cannot split, so each block is old or new. Recovery needs no manual step.</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * One process per pool directory: an fcntl lock on {@code pool.lock}, plus a set of pools open in
 * this JVM (a second channel on the lock file must not be opened and closed, as closing any
 * descriptor of a file drops the process's fcntl locks on it).
 */
package io.wharf.storage;
