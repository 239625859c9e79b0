package io.wharf.api;

/**
 * The body of {@code POST /v1/backups}.
 *
 * @param full                    upload every chunk's data even if an earlier backup of the volume could serve as base
 * @param bandwidthBytesPerSecond at most this many bytes a second to the target; 0 for no limit
 */
public record BackupCreate(String volume, String target, boolean full, long bandwidthBytesPerSecond) {}
