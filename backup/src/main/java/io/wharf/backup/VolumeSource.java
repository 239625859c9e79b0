package io.wharf.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * What a backup reads: a point-in-time image of a volume (normally a snapshot, so it does not change
 * while the backup runs; a resumed backup must be given the same image).
 *
 * <p>Thread safety: {@link #read} is called from several threads at once, for disjoint ranges.
 */
public interface VolumeSource {
    /** Size of the image in bytes. */
    long sizeBytes();

    /** Fills {@code dst.remaining()} bytes from {@code offset}; ranges past the data read zeros. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * The ranges that may differ between this image and the image {@code base} was taken from (the
     * caller finds that snapshot through {@code base.labels()}, e.g. a {@code snapshot} label it set).
     * Ranges may overlap and need not be aligned; a superset is fine. Empty when unknown (the
     * snapshot is gone, no change tracking): the engine then reads the whole image. Not called for
     * the first or a full backup.
     */
    Optional<List<ByteRange>> changedSince(BackupInfo base) throws IOException;
}
