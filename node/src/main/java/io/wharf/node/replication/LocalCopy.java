package io.wharf.node.replication;

import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.replica.BlockStore;
import io.wharf.storage.Pool;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * This node's copy of a replicated volume, as the replica side of the protocol sees it: the pool's
 * {@link Volume}, each call on a storage thread ({@link StorageCalls}), completions on the loop.
 */
final class LocalCopy implements BlockStore {
    private final String volumeId;
    private final Volume volume;
    private final Pool pool;
    private final StorageCalls calls;

    LocalCopy(String volumeId, Volume volume, Pool pool, StorageCalls calls) {
        this.volumeId = volumeId;
        this.volume = volume;
        this.pool = pool;
        this.calls = calls;
    }

    @Override
    public long sizeBytes() {
        return volume.sizeBytes();
    }

    /** Completes with a buffer of exactly {@code length} bytes, position 0. */
    @Override
    public void read(long offset, int length, Completion<ByteBuffer> done) {
        calls.run("read " + volumeId, () -> {
            ByteBuffer data = ByteBuffer.allocate(length);
            volume.read(offset, data);
            if (data.hasRemaining()) {
                throw new IOException("read of " + length + " bytes at " + offset + " returned " + data.position());
            }
            return data.flip();
        }, done);
    }

    /** The buffer is the caller's (a view of a received frame) until the completion; nobody else touches it. */
    @Override
    public void write(long offset, ByteBuffer data, Completion<Void> done) {
        calls.runWrite("write " + volumeId, data.remaining(), () -> {
            volume.write(offset, data);
            return null;
        }, done);
    }

    @Override
    public void trim(long offset, long length, Completion<Void> done) {
        calls.run("trim " + volumeId, () -> {
            volume.trim(offset, length);
            return null;
        }, done);
    }

    /** The pool's growth is durable when it returns. Growths of one volume run one at a time, so a smaller one never comes second. */
    @Override
    public void grow(long sizeBytes, Completion<Void> done) {
        calls.run("grow " + volumeId, () -> {
            synchronized (this) {
                if (volume.sizeBytes() < sizeBytes) {
                    volume.resize(sizeBytes);
                }
            }
            return null;
        }, done);
    }

    /** A snapshot in the pool, as a local volume's (durable when it returns). */
    @Override
    public void snapshot(String snapshotId, Completion<Void> done) {
        calls.run("snapshot " + volumeId, () -> {
            pool.snapshot(volumeId, snapshotId);
            return null;
        }, done);
    }

    /** As a local volume's revert (durable when it returns); the volume object stays the same. */
    @Override
    public void revert(String snapshotId, Completion<Void> done) {
        calls.run("revert " + volumeId, () -> {
            pool.revert(volumeId, snapshotId);
            return null;
        }, done);
    }

    @Override
    public void flush(Completion<Void> done) {
        calls.run("flush " + volumeId, () -> {
            volume.flush();
            return null;
        }, done);
    }
}
