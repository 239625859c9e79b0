package io.wharf.node.transport;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.nbd.NbdError;
import io.wharf.nbd.NbdException;
import io.wharf.nbd.NbdExport;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A storage volume as an NBD export, as the node's VolumeExport does it (without gate and counters), for tests and benchmarks. */
final class VolumeNbdExport implements NbdExport {
    private final String name;
    private final Volume volume;

    VolumeNbdExport(String name, Volume volume) {
        this.name = name;
        this.volume = volume;
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
        return false;
    }

    @Override
    public boolean fastZero(boolean mayPunchHole) {
        return mayPunchHole;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        try {
            volume.read(offset, dst);
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        try {
            volume.write(offset, src);
            if (fua) {
                volume.flush();
            }
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void flush() throws IOException {
        volume.flush();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        try {
            volume.trim(offset, length);
            if (fua) {
                volume.flush();
            }
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole, boolean fua) throws IOException {
        try {
            volume.writeZeroes(offset, length, mayPunchHole);
            if (fua) {
                volume.flush();
            }
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        try {
            volume.extents(offset, length, (extentLength, allocated) -> sink.extent(extentLength, !allocated, !allocated));
        } catch (RuntimeException e) {
            throw translate(e);
        }
    }

    private static IOException translate(RuntimeException e) {
        if (e instanceof WharfException w && w.code() == ErrorCode.NO_SPACE) {
            return new NbdException(NbdError.ENOSPC, w.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return new NbdException(NbdError.EINVAL, e.getMessage());
        }
        throw e;
    }
}
