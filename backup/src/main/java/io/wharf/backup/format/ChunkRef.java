package io.wharf.backup.format;

/**
 * Chunk {@code index} of a volume (bytes {@code [index * chunkSize, ...)}) holds the chunk {@code id}
 * (64 hex digits), whose object in the target is {@code storedBytes} long.
 */
public record ChunkRef(long index, String id, int storedBytes) {}
