package io.wharf.metadata.model;

/** A record stored as JSON in the cluster store. */
public sealed interface ModelRecord permits BackupJobRecord, BackupScheduleRecord, BackupTargetRecord, ClusterRecord, NodeLiveness, NodeRecord, PolicyRecord, SnapshotRecord, VolumeRecord {
    /** The schema version the writer used; readers accept any and ignore fields they do not know. */
    int schemaVersion();
}
