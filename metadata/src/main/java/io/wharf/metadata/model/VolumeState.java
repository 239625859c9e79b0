package io.wharf.metadata.model;

/** Where a volume is in its life. */
public enum VolumeState {
    /** Recorded; its replicas are being created. */
    CREATING,
    /** Usable. */
    READY,
    /** Being removed; its name is not free yet. */
    DELETING
}
