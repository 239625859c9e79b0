package io.wharf.replication.sync;

import io.wharf.replication.sync.replica.BlockStore;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A replica's data in memory for tests; completes on the scheduler; can be held (calls wait until released). */
public final class MemoryDisk implements BlockStore {
    private byte[] bytes;
    private final Scheduler scheduler;
    public int writes;

    public MemoryDisk(int sizeBytes, Scheduler scheduler) {
        this.bytes = new byte[sizeBytes];
        this.scheduler = scheduler;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public long sizeBytes() {
        return bytes.length;
    }

    @Override
    public void read(long offset, int length, Completion<ByteBuffer> done) {
        ByteBuffer copy = ByteBuffer.wrap(Arrays.copyOfRange(bytes, (int) offset, (int) offset + length));
        scheduler.execute(() -> done.complete(Outcome.ok(copy)));
    }

    @Override
    public void write(long offset, ByteBuffer data, Completion<Void> done) {
        writes++;
        data.duplicate().get(bytes, (int) offset, data.remaining());
        scheduler.execute(() -> done.complete(Outcome.done()));
    }

    @Override
    public void trim(long offset, long length, Completion<Void> done) {
        Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
        scheduler.execute(() -> done.complete(Outcome.done()));
    }

    @Override
    public void flush(Completion<Void> done) {
        scheduler.execute(() -> done.complete(Outcome.done()));
    }

    /** Snapshots taken, by id: copies of the bytes at the time. */
    public final java.util.Map<String, byte[]> snapshots = new java.util.HashMap<>();

    @Override
    public void snapshot(String snapshotId, Completion<Void> done) {
        snapshots.put(snapshotId, bytes.clone());
        scheduler.execute(() -> done.complete(Outcome.done()));
    }

    @Override
    public void revert(String snapshotId, Completion<Void> done) {
        byte[] kept = snapshots.get(snapshotId);
        if (kept == null) {
            scheduler.execute(() -> done.complete(Outcome.failed(io.wharf.core.ErrorCode.SNAPSHOT_NOT_FOUND, "no snapshot " + snapshotId)));
            return;
        }
        bytes = Arrays.copyOf(kept, Math.max(kept.length, bytes.length));
        scheduler.execute(() -> done.complete(Outcome.done()));
    }

    @Override
    public void grow(long sizeBytes, Completion<Void> done) {
        if (sizeBytes > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.toIntExact(sizeBytes));
        }
        scheduler.execute(() -> done.complete(Outcome.done()));
    }
}
