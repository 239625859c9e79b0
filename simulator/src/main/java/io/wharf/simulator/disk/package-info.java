/**
 * The simulated disk under the real storage engine, injected through
 * {@code io.wharf.storage.disk.FileOpener}: layer files' bytes in memory, per 4 KiB page the durable
 * version and the versions written since the last sync. A process crash keeps them all (page cache);
 * a power loss keeps, per unsynced page, the durable version or any later one, independently per
 * page (so multi-page writes tear and unsynced writes reorder; a 4 KiB page itself is atomic, the
 * engine's documented device assumption).
 *
 * <p>The rest of the pool (directories, pool.meta, volume.meta, block-map checkpoints) stays on a real
 * filesystem (tmpfs): those files are written through {@code AtomicFile}, which syncs before it
 * returns, so they are durable as soon as written and need no model. Layer files exist there as empty
 * placeholders so that directory operations work; their bytes are found by the placeholder's inode,
 * which renames keep.
 */
package io.wharf.simulator.disk;
