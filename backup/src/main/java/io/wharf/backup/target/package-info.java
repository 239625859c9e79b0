/**
 * Where backups are stored: {@link io.wharf.backup.target.BackupTarget} (put, get, stat/exists,
 * list, delete of whole objects by key), with an S3 implementation ({@link
 * io.wharf.backup.target.S3Target}: AWS SDK v2 over the JDK's HTTP client, custom endpoint,
 * path-style addressing for S3-compatible stores) and a directory implementation ({@link
 * io.wharf.backup.target.DirectoryTarget}: temp file, fsync, rename, fsync of the directory). {@link
 * io.wharf.backup.target.TargetSpec} parses what a user writes ({@code s3://bucket/prefix?endpoint=...},
 * an absolute path); {@link io.wharf.backup.target.S3Credentials} resolves flags, environment and
 * credentials files and never prints a secret.
 *
 * <p>Invariants the engine relies on: puts are atomic per object, and reads and listings are strongly
 * consistent after a put or delete returned (S3 since December 2020, MinIO, Ceph RGW, a local or NFS
 * directory with close-to-open semantics). Every failure is a {@link io.wharf.backup.BackupException}
 * with a TARGET_* reason (one mapping table per implementation); a missing object is not a failure.
 */
package io.wharf.backup.target;
