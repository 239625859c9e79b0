package io.wharf.replication.wire;

/**
 * A decoded and verified frame header (the header checksum matched and every field is valid for
 * its type). The payload that follows is {@code payloadLength} bytes with CRC32C {@code payloadChecksum}.
 *
 * @param length the I/O length for ranged requests (unsigned 32-bit on the wire), else 0
 */
public record FrameHeader(
        int version,
        MessageType type,
        int flags,
        Status status,
        int volumeHandle,
        long requestId,
        long epoch,
        long offset,
        long length,
        int payloadLength,
        int payloadChecksum) {

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }
}
