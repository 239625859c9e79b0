package io.wharf.api;

/**
 * The body of {@code POST /v1/backup-targets}.
 *
 * @param location        {@code s3://BUCKET[/PREFIX]?endpoint=URL&region=R} or an absolute directory path
 * @param accessKeyId     S3 access key id; null to use the nodes' environment ({@code AWS_ACCESS_KEY_ID})
 * @param secretAccessKey S3 secret key; never returned
 * @param passphrase      encrypts everything the target holds (AES-256-GCM); null for plaintext; never returned
 * @param fullEvery       every Nth backup of a volume reads everything (a full backup); null for 7, as Portworx
 */
public record BackupTargetCreate(String name, String location, String accessKeyId, String secretAccessKey, String passphrase,
                                 Integer fullEvery) {
    public BackupTargetCreate(String name, String location, String accessKeyId, String secretAccessKey, String passphrase) {
        this(name, location, accessKeyId, secretAccessKey, passphrase, null);
    }

    @Override
    public String toString() {
        return "BackupTargetCreate[name=" + name + ", location=" + location + ", accessKeyId=" + (accessKeyId == null ? "-" : "set")
                + ", secretAccessKey=" + (secretAccessKey == null ? "-" : "set") + ", passphrase=" + (passphrase == null ? "-" : "set") + "]";
    }
}
