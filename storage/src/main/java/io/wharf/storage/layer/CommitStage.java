package io.wharf.storage.layer;

/** Points inside a flush where a crash leaves a distinct on-disk state; tests stop there to copy the files. */
public enum CommitStage {
    /** A journal record is written (page cache) but not synced. */
    BATCH_WRITTEN,
    /** The layer file is synced: the record and its data are durable. */
    SYNCED,
    /** A checkpoint is encoded and its data synced; the checkpoint file is not yet replaced. */
    CHECKPOINT_ENCODED,
    /** The new checkpoint is durable; the ring still holds the previous generation's records. */
    CHECKPOINT_WRITTEN,
    /** The ring restarted with the new generation (old records punched away). */
    RING_RESTARTED
}
