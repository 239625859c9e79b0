package io.wharf.replication.sync.replica;

import io.wharf.replication.sync.Completion;
import java.nio.ByteBuffer;

/**
 * The replica's local copy of a volume, as the replica side of the protocol sees it: the node
 * implements it over an {@code io.wharf.storage.Volume} (calls on a virtual thread, completions
 * back on the replica's scheduler); the simulator over the real storage engine on a simulated disk.
 * Durability is the storage engine's: a write is durable once a later {@link #flush} completed.
 */
public interface BlockStore {
    long sizeBytes();

    void read(long offset, int length, Completion<ByteBuffer> done);

    void write(long offset, ByteBuffer data, Completion<Void> done);

    void trim(long offset, long length, Completion<Void> done);

    void flush(Completion<Void> done);

    /** Grows the copy to at least {@code sizeBytes} (nothing when it is that large already), durably; new bytes read as zeros. */
    void grow(long sizeBytes, Completion<Void> done);

    /** Takes a snapshot of the copy as it is now, stored under {@code snapshotId}, durably. */
    void snapshot(String snapshotId, Completion<Void> done);

    /** Makes the copy read as snapshot {@code snapshotId} again (the snapshot stays), durably. */
    void revert(String snapshotId, Completion<Void> done);
}
