package io.wharf.backup;

/**
 * Receives progress of a backup or restore. Called from engine threads, one call at a time per
 * operation; must be cheap and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> {};

    void progress(Progress progress);

    /** Where an operation is. */
    enum Phase {
        /** Backup: reading, compressing and uploading changed chunks. */
        UPLOADING,
        /** Backup: waiting for a running garbage collection to end before relying on chunks in the target. */
        WAITING_FOR_GC,
        /** Backup: writing the manifest (the commit point). */
        COMMITTING,
        /** Restore: downloading, verifying and writing chunks. */
        RESTORING,
        /** Done; {@code doneBytes == totalBytes}. */
        DONE
    }

    /**
     * {@code doneBytes} of {@code totalBytes}: for a backup the volume bytes this backup reads (the
     * changed chunks; all of them for a full backup), counting those a resumed run finds already done;
     * for a restore the bytes of chunks that hold data.
     */
    record Progress(String backupId, Phase phase, long doneBytes, long totalBytes) {}
}
