package io.wharf.storage.layer;

import io.wharf.core.ByteSize;
import io.wharf.storage.disk.FileOpener;
import java.util.Objects;

/**
 * Tuning of the layer store, fixed for a layer when its file is created (the journal size is
 * recorded in the layer header, so changing it only affects new layers).
 *
 * @param journalBytes size of the journal ring of a new layer: a multiple of 4 KiB between 8 KiB and
 *                     {@link #METADATA_REGION_BYTES} less one block. Each flush that changes block
 *                     states takes at least 512 bytes; a full ring costs one checkpoint.
 * @param punchHoles   use {@code fallocate(PUNCH_HOLE)} to give space back; false writes zeros
 *                     instead (what happens anyway where the filesystem cannot punch)
 * @param opener       opens layer files; tests inject faults through it
 */
public record LayerOptions(long journalBytes, boolean punchHoles, FileOpener opener) {
    /** Bytes at the start of every layer file reserved for header and journal; data starts here. */
    public static final long METADATA_REGION_BYTES = 64 * ByteSize.MIB;
    public static final long JOURNAL_OFFSET = 4 * ByteSize.KIB;
    public static final long DEFAULT_JOURNAL_BYTES = 16 * ByteSize.MIB;
    public static final LayerOptions DEFAULTS = new LayerOptions(DEFAULT_JOURNAL_BYTES, true, FileOpener.DEFAULT);

    public LayerOptions {
        Objects.requireNonNull(opener, "opener");
        if (journalBytes < 8 * ByteSize.KIB || journalBytes % (4 * ByteSize.KIB) != 0
                || JOURNAL_OFFSET + journalBytes > METADATA_REGION_BYTES) {
            throw new IllegalArgumentException("journal size " + journalBytes
                    + " must be a multiple of 4 KiB between 8 KiB and " + (METADATA_REGION_BYTES - JOURNAL_OFFSET));
        }
    }

    public LayerOptions withJournalBytes(long bytes) {
        return new LayerOptions(bytes, punchHoles, opener);
    }

    public LayerOptions withPunchHoles(boolean punch) {
        return new LayerOptions(journalBytes, punch, opener);
    }

    public LayerOptions withOpener(FileOpener fileOpener) {
        return new LayerOptions(journalBytes, punchHoles, fileOpener);
    }
}
