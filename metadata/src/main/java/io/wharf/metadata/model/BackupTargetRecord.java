package io.wharf.metadata.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A backup target, at {@link Keys#backupTarget(String)}: where backups go and the secrets to reach
 * it. The secrets live in the cluster store as Kubernetes keeps Secrets in etcd (protect the store
 * accordingly); the API never returns them.
 *
 * @param location        {@code s3://BUCKET[/PREFIX]?endpoint=URL&region=R} or an absolute directory
 * @param accessKeyId     S3 access key id, or null (directory targets, or credentials from the node's environment)
 * @param secretAccessKey S3 secret key, or null
 * @param passphrase      the encryption passphrase, or null for a plaintext target
 * @param fullEvery       every Nth backup of a volume is full; 0 for the engine's default
 */
public record BackupTargetRecord(int schemaVersion, String name, String location, String accessKeyId, String secretAccessKey,
                                 String passphrase, Instant createdAt, int fullEvery) implements ModelRecord {
    public static final int SCHEMA_VERSION = 1;

    public BackupTargetRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public static BackupTargetRecord of(String name, String location, String accessKeyId, String secretAccessKey, String passphrase,
                                        Instant createdAt, int fullEvery) {
        return new BackupTargetRecord(SCHEMA_VERSION, name, location, accessKeyId, secretAccessKey, passphrase, createdAt, fullEvery);
    }

    /** Never the secrets: records end up in logs. */
    @Override
    public String toString() {
        return "BackupTargetRecord[name=" + name + ", location=" + location + ", accessKeyId=" + (accessKeyId == null ? "-" : "set")
                + ", secretAccessKey=" + (secretAccessKey == null ? "-" : "set") + ", passphrase=" + (passphrase == null ? "-" : "set")
                + ", createdAt=" + createdAt + ", fullEvery=" + fullEvery + "]";
    }
}
