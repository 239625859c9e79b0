package io.wharf.simulator.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link FileChannel} over a {@link SimFile}: positional and relative reads and writes, size,
 * {@code force} (syncs the file). After the disk's crash every call fails with an I/O error, as
 * calls of a process that no longer exists would never happen; the pool is then closed over it
 * without writing anything durable.
 */
final class SimFileChannel extends FileChannel {
    private final SimDisk disk;
    private final SimFile file;
    private final int generation;
    private long position;

    SimFileChannel(SimDisk disk, SimFile file, int generation) {
        this.disk = disk;
        this.file = file;
        this.generation = generation;
    }

    private void check() throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        if (disk.generation() != generation) {
            throw new IOException("simulated device lost: the node crashed");
        }
    }

    @Override
    public int read(ByteBuffer dst, long at) throws IOException {
        check();
        return file.read(dst, at);
    }

    @Override
    public int write(ByteBuffer src, long at) throws IOException {
        check();
        return file.write(src, at);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            int n = read(dsts[i]);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = write(src, position);
        position += n;
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long position() throws IOException {
        check();
        return position;
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        check();
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        check();
        return file.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        check();
        file.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        check();
        file.sync();
    }

    @Override
    public long transferTo(long at, long count, WritableByteChannel target) {
        throw new UnsupportedOperationException("transferTo on a simulated file");
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long at, long count) {
        throw new UnsupportedOperationException("transferFrom on a simulated file");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long at, long size) {
        throw new UnsupportedOperationException("map on a simulated file");
    }

    @Override
    public FileLock lock(long at, long size, boolean shared) {
        throw new UnsupportedOperationException("lock on a simulated file");
    }

    @Override
    public FileLock tryLock(long at, long size, boolean shared) {
        throw new UnsupportedOperationException("tryLock on a simulated file");
    }

    @Override
    protected void implCloseChannel() {
        // nothing to release
    }
}
