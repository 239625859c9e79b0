package io.wharf.node;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.nbd.NbdError;
import io.wharf.nbd.NbdException;
import io.wharf.nbd.NbdExport;
import io.wharf.node.transport.AsyncVolume;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/** Serves a storage volume as an NBD export, counting its I/O for metrics. */
final class VolumeExport implements NbdExport {
    private final String name;
    private final Volume volume;
    private final boolean readOnly;
    final LongAdder readOps = new LongAdder();
    final LongAdder readBytes = new LongAdder();
    final LongAdder writeOps = new LongAdder();
    final LongAdder writeBytes = new LongAdder();
    final LongAdder flushOps = new LongAdder();
    final LongAdder trimOps = new LongAdder();
    final LongAdder errors = new LongAdder();
    private final IoGate gate = new IoGate();

    VolumeExport(String name, Volume volume) {
        this(name, volume, false);
    }

    /** A read-only export: NBD writes, trims and zero-writes are refused with EPERM by the server. */
    VolumeExport(String name, Volume volume, boolean readOnly) {
        this.name = name;
        this.volume = volume;
        this.readOnly = readOnly;
    }

    Volume volume() {
        return volume;
    }

    /** Holds new I/O and waits for what is in flight (group snapshots); {@link #release()} undoes it. */
    void hold() {
        gate.close();
    }

    void release() {
        gate.open();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sizeBytes() {
        return volume.sizeBytes();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        gate.enter();
        try {
            int length = dst.remaining();
            try {
                volume.read(offset, dst);
            } catch (RuntimeException e) {
                throw translate(e);
            }
            readOps.increment();
            readBytes.add(length);
        } finally {
            gate.leave();
        }
    }

    /** A volume whose data is on other nodes is served without a thread waiting per request. */
    @Override
    public boolean asynchronous() {
        return volume instanceof AsyncVolume;
    }

    @Override
    public void readAsync(long offset, ByteBuffer dst, Completion done) {
        int length = dst.remaining();
        remote(done, readOps, readBytes, length, (remote, finished) -> remote.readAsync(offset, dst, finished));
    }

    @Override
    public void writeAsync(long offset, ByteBuffer src, boolean fua, Completion done) {
        int length = src.remaining();
        remote(done, writeOps, writeBytes, length, (remote, finished) -> remote.writeAsync(offset, src, fua, finished));
    }

    @Override
    public void flushAsync(Completion done) {
        remote(done, flushOps, null, 0, AsyncVolume::flushAsync);
    }

    /** Starts an asynchronous call on the remote volume inside the gate; counts it and translates its failure at the end. */
    private void remote(Completion done, LongAdder ops, LongAdder bytes, int length,
                        java.util.function.BiConsumer<AsyncVolume, AsyncVolume.Done> call) {
        gate.enter();
        call.accept((AsyncVolume) volume, failure -> {
            gate.leave();
            if (failure == null) {
                ops.increment();
                if (bytes != null) {
                    bytes.add(length);
                }
            }
            done.completed(failure == null ? null : translateAsync(failure));
        });
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        gate.enter();
        try {
            int length = src.remaining();
            try {
                volume.write(offset, src);
                if (fua) {
                    volume.flush();
                }
            } catch (RuntimeException e) {
                throw translate(e);
            }
            writeOps.increment();
            writeBytes.add(length);
        } finally {
            gate.leave();
        }
    }

    @Override
    public void flush() throws IOException {
        gate.enter();
        try {
            try {
                volume.flush();
            } catch (RuntimeException e) {
                throw translate(e);
            }
            flushOps.increment();
        } finally {
            gate.leave();
        }
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        gate.enter();
        try {
            try {
                volume.trim(offset, length);
                if (fua) {
                    volume.flush();
                }
            } catch (RuntimeException e) {
                throw translate(e);
            }
            trimOps.increment();
        } finally {
            gate.leave();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException {
        gate.enter();
        try {
            try {
                volume.writeZeroes(offset, length, mayPunchHole);
                if (fua) {
                    volume.flush();
                }
            } catch (RuntimeException e) {
                throw translate(e);
            }
            writeOps.increment();
        } finally {
            gate.leave();
        }
    }

    /** Punching a hole is a metadata change in the storage engine, whatever the range's size. */
    @Override
    public boolean fastZero(boolean mayPunchHole) {
        return mayPunchHole;
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        gate.enter();
        try {
            try {
                volume.extents(offset, length, (extentLength, allocated) -> sink.extent(extentLength, !allocated, !allocated));
            } catch (RuntimeException e) {
                throw translate(e);
            }
        } finally {
            gate.leave();
        }
    }

    /** As {@link #translate}, for a failure handed to a completion: nothing is thrown. */
    private Exception translateAsync(Exception failure) {
        if (failure instanceof RuntimeException e) {
            try {
                return translate(e);
            } catch (RuntimeException unmapped) {
                return unmapped;
            }
        }
        return failure;
    }

    private IOException translate(RuntimeException e) {
        errors.increment();
        if (e instanceof WharfException w && w.code() == ErrorCode.NO_SPACE) {
            return new NbdException(NbdError.ENOSPC, w.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return new NbdException(NbdError.EINVAL, e.getMessage());
        }
        throw e;
    }
}
