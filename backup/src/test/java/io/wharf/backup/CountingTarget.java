package io.wharf.backup;

import io.wharf.backup.target.BackupTarget;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a target: counts chunk puts and their bytes, and can hold the first delete of a chunk until
 * released (to freeze a garbage collection mid-way).
 */
final class CountingTarget implements BackupTarget {
    final BackupTarget delegate;
    final AtomicLong chunkPuts = new AtomicLong();
    final AtomicLong chunkPutBytes = new AtomicLong();
    final AtomicLong chunkStats = new AtomicLong();
    volatile boolean holdChunkDeletes;
    final CountDownLatch deleteHeld = new CountDownLatch(1);
    final CountDownLatch deleteRelease = new CountDownLatch(1);

    CountingTarget(BackupTarget delegate) {
        this.delegate = delegate;
    }

    void resetCounts() {
        chunkPuts.set(0);
        chunkPutBytes.set(0);
    }

    @Override
    public void put(String key, byte[] data) {
        if (key.startsWith("chunks/")) {
            chunkPuts.incrementAndGet();
            chunkPutBytes.addAndGet(data.length);
        }
        delegate.put(key, data);
    }

    @Override
    public Optional<byte[]> get(String key) {
        return delegate.get(key);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Optional<ObjectInfo> info = delegate.stat(key);
        if (key.startsWith("chunks/")) {
            chunkStats.incrementAndGet();
        }
        return info;
    }

    @Override
    public void delete(String key) {
        if (holdChunkDeletes && key.startsWith("chunks/")) {
            deleteHeld.countDown();
            try {
                deleteRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        delegate.delete(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public void probe() {
        delegate.probe();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
