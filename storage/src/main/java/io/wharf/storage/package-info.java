/**
 * The on-disk replica store of a node: a {@link io.wharf.storage.Pool} of thin {@link
 * io.wharf.storage.Volume}s, each a chain of layers (see {@link io.wharf.storage.layer}).
 *
 * <h2>Pool directory</h2>
 * <pre>
 * pool.lock                      fcntl lock (FileChannel.tryLock) held while the pool is open
 * pool.meta                      "wharf-pool" checksummed text: formatVersion=1; written last at creation
 * volumes/&lt;volumeId&gt;/            one directory per volume
 *     volume.meta                "wharf-volume" checksummed text: id, sizeBytes, layers (base..head)
 *     &lt;layerId&gt;.layer            layer file: header | journal ring | data direct-mapped from 64 MiB
 *     &lt;layerId&gt;.map              checkpoint of the layer's block map
 * staging/&lt;volumeId&gt;/            a volume being created; never valid after a crash
 * trash/&lt;volumeId&gt;.&lt;uuid&gt;/       a volume being deleted; never valid after a crash
 * </pre>
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
