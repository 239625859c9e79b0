/**
 * How bytes reach the disk durably: atomic replacement of small files ({@link
 * io.wharf.storage.disk.AtomicFile}: write temp, fsync, rename, fsync the directory), directory
 * fsync, the checksummed text format of small metadata files ({@link
 * io.wharf.storage.disk.ChecksummedText}), hole punching and {@code SEEK_DATA} through the FFM
 * API ({@link io.wharf.storage.disk.NativeFile}), and the one place where the filesystem's
 * ENOSPC becomes {@link io.wharf.core.ErrorCode#NO_SPACE} ({@link io.wharf.storage.disk.DiskErrors}).
 *
 * <p>Invariants: a file written by {@code AtomicFile} is, after any crash, either absent, the
 * complete old version, or the complete new version; a {@code .tmp} sibling is always garbage.
 * Nothing here retries an fsync: a failed fsync leaves the page cache in an unknown state, so
 * callers stop using the file (fail-stop) instead.
 */
package io.wharf.storage.disk;
