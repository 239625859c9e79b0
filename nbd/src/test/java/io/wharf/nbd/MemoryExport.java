package io.wharf.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A sparse in-memory export for tests: 64 KiB pages allocated on first write, freed again by trim
 * or zeroing of whole pages. Thread-safe; concurrent overlapping writes land in any order.
 */
final class MemoryExport implements NbdExport {
    static final int PAGE_BYTES = 64 * 1024;
    private static final byte[] ZEROES = new byte[PAGE_BYTES];

    private final String name;
    private final long sizeBytes;
    private final boolean readOnly;
    private final AtomicReferenceArray<byte[]> pages;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger fuaWrites = new AtomicInteger();
    final AtomicInteger blockStatusCalls = new AtomicInteger();
    /** When set, every call fails with it. */
    volatile IOException failure;
    /** When set, every call throws it (an export bug). */
    volatile RuntimeException bug;
    /** When set, writes wait until it opens. */
    volatile CountDownLatch writeGate;
    /** When set, reads wait until it opens. */
    volatile CountDownLatch readGate;
    /** Extra time every read takes, like a slow disk. */
    volatile long readDelayNanos;

    MemoryExport(String name, long sizeBytes, boolean readOnly) {
        this.name = name;
        this.sizeBytes = sizeBytes;
        this.readOnly = readOnly;
        this.pages = new AtomicReferenceArray<>(Math.toIntExact((sizeBytes + PAGE_BYTES - 1) / PAGE_BYTES));
    }

    MemoryExport(String name, long sizeBytes) {
        this(name, sizeBytes, false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public String description() {
        return "in-memory test export " + name;
    }

    @Override
    public boolean fastZero(boolean mayPunchHole) {
        return mayPunchHole;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        check();
        await(readGate);
        if (readDelayNanos > 0) {
            LockSupport.parkNanos(readDelayNanos);
        }
        int position = dst.position();
        int left = dst.remaining();
        long at = offset;
        while (left > 0) {
            int index = (int) (at / PAGE_BYTES);
            int within = (int) (at % PAGE_BYTES);
            int n = Math.min(left, PAGE_BYTES - within);
            byte[] page = pages.get(index);
            dst.put(position, page == null ? ZEROES : page, page == null ? 0 : within, n);
            position += n;
            left -= n;
            at += n;
        }
        dst.position(position);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        check();
        await(writeGate);
        int position = src.position();
        int left = src.remaining();
        long at = offset;
        while (left > 0) {
            int index = (int) (at / PAGE_BYTES);
            int within = (int) (at % PAGE_BYTES);
            int n = Math.min(left, PAGE_BYTES - within);
            src.get(position, page(index), within, n);
            position += n;
            left -= n;
            at += n;
        }
        src.position(position);
        if (fua) {
            fuaWrites.incrementAndGet();
        }
    }

    @Override
    public void flush() throws IOException {
        check();
        flushes.incrementAndGet();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        zero(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException {
        zero(offset, length, mayPunchHole);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        check();
        blockStatusCalls.incrementAndGet();
        long at = offset;
        long end = Math.min(sizeBytes, offset + length);
        while (at < end) {
            int index = (int) (at / PAGE_BYTES);
            boolean hole = pages.get(index) == null;
            long runEnd = (long) (index + 1) * PAGE_BYTES;
            while (runEnd < end && (pages.get((int) (runEnd / PAGE_BYTES)) == null) == hole) {
                runEnd += PAGE_BYTES;
            }
            runEnd = Math.min(runEnd, sizeBytes);
            if (!sink.extent(runEnd - at, hole, hole)) {
                return;
            }
            at = runEnd;
        }
    }

    /** A copy of {@code [offset, offset + length)}, for checks. */
    byte[] contents(long offset, int length) throws IOException {
        ByteBuffer copy = ByteBuffer.allocate(length);
        read(offset, copy);
        return copy.array();
    }

    /** Pages that hold data. */
    int allocatedPages() {
        int count = 0;
        for (int i = 0; i < pages.length(); i++) {
            count += pages.get(i) == null ? 0 : 1;
        }
        return count;
    }

    private void zero(long offset, long length, boolean mayPunchHole) throws IOException {
        check();
        long at = offset;
        long end = offset + length;
        while (at < end) {
            int index = (int) (at / PAGE_BYTES);
            int within = (int) (at % PAGE_BYTES);
            int n = (int) Math.min(end - at, PAGE_BYTES - within);
            if (n == PAGE_BYTES && mayPunchHole) {
                pages.set(index, null);
            } else if (pages.get(index) != null || !mayPunchHole) {
                System.arraycopy(ZEROES, 0, page(index), within, n);
            }
            at += n;
        }
    }

    private byte[] page(int index) {
        byte[] page = pages.get(index);
        if (page == null) {
            byte[] fresh = new byte[PAGE_BYTES];
            page = pages.compareAndSet(index, null, fresh) ? fresh : pages.get(index);
        }
        return page;
    }

    private static void await(CountDownLatch gate) throws IOException {
        if (gate == null) {
            return;
        }
        try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IOException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private void check() throws IOException {
        RuntimeException broken = bug;
        if (broken != null) {
            throw broken;
        }
        IOException failing = failure;
        if (failing != null) {
            throw failing;
        }
    }
}
