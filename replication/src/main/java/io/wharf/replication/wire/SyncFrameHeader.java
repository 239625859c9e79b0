package io.wharf.replication.wire;

/**
 * A decoded and verified header of a {@link SyncMessage} frame. Synchronous-replication requests use
 * no range and no status, so those header fields are zero and not kept here.
 */
public record SyncFrameHeader(
        SyncMessageType type,
        int flags,
        int volumeHandle,
        long requestId,
        long epoch,
        int payloadLength,
        int payloadChecksum) {

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }
}
