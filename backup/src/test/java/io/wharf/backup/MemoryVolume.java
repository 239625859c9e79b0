package io.wharf.backup;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A volume image in memory, as source and destination. As a source it reports the ranges written
 * through {@link #overwrite} since {@link #markBackedUp} as changed; it can hold its reads at a
 * chosen chunk until released (to freeze a backup mid-way).
 */
final class MemoryVolume implements VolumeSource, RestoreDestination {
    final byte[] data;
    private final List<ByteRange> changed = new ArrayList<>();
    private boolean tracking;
    volatile boolean discarded;
    volatile boolean flushed;
    final AtomicInteger writes = new AtomicInteger();
    // hold: reads at or after holdOffset wait for release
    private volatile long holdOffset = Long.MAX_VALUE;
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    MemoryVolume(int sizeBytes) {
        data = new byte[sizeBytes];
    }

    /** Random data in every other 1 MiB-ish region, zeros elsewhere, from a seed. */
    static MemoryVolume random(int sizeBytes, long seed) {
        MemoryVolume volume = new MemoryVolume(sizeBytes);
        SplittableRandom random = new SplittableRandom(seed);
        for (int offset = 0; offset < sizeBytes; offset += 4096) {
            if ((offset / (1 << 20)) % 4 != 3) { // every fourth MiB stays zero
                byte[] block = new byte[Math.min(4096, sizeBytes - offset)];
                random.nextBytes(block);
                System.arraycopy(block, 0, volume.data, offset, block.length);
            }
        }
        return volume;
    }

    MemoryVolume copy() {
        MemoryVolume copy = new MemoryVolume(data.length);
        System.arraycopy(data, 0, copy.data, 0, data.length);
        return copy;
    }

    void overwrite(int offset, byte[] bytes) {
        System.arraycopy(bytes, 0, data, offset, bytes.length);
        changed.add(new ByteRange(offset, bytes.length));
    }

    /** From now on, changedSince reports what was overwritten after this call. */
    void markBackedUp() {
        changed.clear();
        tracking = true;
    }

    void holdReadsFrom(long offset) {
        holdOffset = offset;
    }

    @Override
    public long sizeBytes() {
        return data.length;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        if (offset >= holdOffset) {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        dst.put(data, (int) offset, dst.remaining());
    }

    @Override
    public Optional<List<ByteRange>> changedSince(BackupInfo base) {
        return tracking ? Optional.of(List.copyOf(changed)) : Optional.empty();
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        writes.incrementAndGet();
        src.get(data, (int) offset, src.remaining());
    }

    @Override
    public void flush() {
        flushed = true;
    }

    @Override
    public void discard() {
        discarded = true;
    }
}
