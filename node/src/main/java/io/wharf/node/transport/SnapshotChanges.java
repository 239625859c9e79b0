package io.wharf.node.transport;

import io.wharf.storage.ExtentSink;
import io.wharf.storage.Pool;
import io.wharf.storage.SnapshotVolume;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot opened over the transport ({@code VOLUME@SNAPSHOT} or {@code VOLUME@SNAPSHOT^BASE}):
 * reads are the snapshot's, read-only, and its extents are what changed since snapshot {@code BASE}
 * ({@link Pool#changedBlocks}): "allocated" where its blocks may differ from the base's, or, without
 * a base, where it holds data or zeros what is below. A node copying snapshots to another copy reads
 * only those runs. Closes the view when closed.
 */
final class SnapshotChanges implements Volume, AutoCloseable {
    private final SnapshotVolume view;
    /** Runs over the whole snapshot, in order: {length, allocated ? 1 : 0}. */
    private final List<long[]> runs;

    private SnapshotChanges(SnapshotVolume view, List<long[]> runs) {
        this.view = view;
        this.runs = runs;
    }

    /** Opens {@code spec} ({@code SNAPSHOT} or {@code SNAPSHOT^BASE}) of the pool's volume {@code volumeId}. */
    static SnapshotChanges open(Pool pool, String volumeId, String spec) throws IOException {
        int caret = spec.indexOf('^');
        String snapshot = caret < 0 ? spec : spec.substring(0, caret);
        String base = caret < 0 ? null : spec.substring(caret + 1);
        List<long[]> runs = new ArrayList<>();
        pool.changedBlocks(volumeId, base, snapshot, (length, allocated) -> {
            runs.add(new long[] {length, allocated ? 1 : 0});
            return true;
        });
        return new SnapshotChanges(pool.openSnapshot(volumeId, snapshot), runs);
    }

    @Override
    public String id() {
        return view.id();
    }

    @Override
    public long sizeBytes() {
        return view.sizeBytes();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        view.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        view.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        view.flush();
    }

    @Override
    public void trim(long offset, long length) {
        view.trim(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole) {
        view.writeZeroes(offset, length, mayPunchHole);
    }

    /** The runs of what changed since the base, clipped to {@code [offset, offset + length)}. */
    @Override
    public void extents(long offset, long length, ExtentSink sink) {
        if (offset < 0 || length < 0 || offset + length > view.sizeBytes()) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " is outside the snapshot's "
                    + view.sizeBytes() + " bytes");
        }
        long end = offset + length;
        long start = 0;
        for (long[] run : runs) {
            long runEnd = start + run[0];
            if (runEnd > offset && start < end) {
                long from = Math.max(start, offset);
                if (!sink.extent(Math.min(runEnd, end) - from, run[1] == 1)) {
                    return;
                }
            }
            if (runEnd >= end) {
                return;
            }
            start = runEnd;
        }
    }

    @Override
    public void resize(long newSizeBytes) {
        view.resize(newSizeBytes);
    }

    @Override
    public long allocatedBytes() {
        return view.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        view.close();
    }
}
