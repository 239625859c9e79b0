package io.wharf.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link MemoryExport} served asynchronously, as a volume on another node is: reads and writes are
 * completed by one thread of its own (as a transport's reader would), in the order they were started,
 * never by the caller. Everything else is delegated synchronously.
 */
final class AsyncExport implements NbdExport, AutoCloseable {
    private final MemoryExport memory;
    private final ExecutorService completer;
    final AtomicInteger asyncCalls = new AtomicInteger();
    /** When set, asynchronous calls throw it from readAsync/writeAsync (a broken export). */
    volatile RuntimeException bug;

    AsyncExport(MemoryExport memory) {
        this.memory = memory;
        this.completer = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("async-export-" + memory.name()).factory());
    }

    MemoryExport memory() {
        return memory;
    }

    @Override
    public boolean asynchronous() {
        return true;
    }

    @Override
    public void readAsync(long offset, ByteBuffer dst, Completion done) {
        start(done, () -> memory.read(offset, dst));
    }

    @Override
    public void writeAsync(long offset, ByteBuffer src, boolean fua, Completion done) {
        start(done, () -> memory.write(offset, src, fua));
    }

    @Override
    public void flushAsync(Completion done) {
        start(done, memory::flush);
    }

    private interface Call {
        void run() throws IOException;
    }

    private void start(Completion done, Call call) {
        RuntimeException broken = bug;
        if (broken != null) {
            throw broken;
        }
        asyncCalls.incrementAndGet();
        completer.execute(() -> {
            Exception failure = null;
            try {
                call.run();
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            done.completed(failure);
        });
    }

    @Override
    public String name() {
        return memory.name();
    }

    @Override
    public long sizeBytes() {
        return memory.sizeBytes();
    }

    @Override
    public boolean readOnly() {
        return memory.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        memory.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        memory.write(offset, src, fua);
    }

    @Override
    public void flush() throws IOException {
        memory.flush();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        memory.trim(offset, length, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException {
        memory.writeZeroes(offset, length, mayPunchHole, fua);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        memory.blockStatus(offset, length, sink);
    }

    @Override
    public void close() {
        completer.shutdownNow();
    }
}
