package io.wharf.api;

/**
 * A backup target as the API shows it: never its secrets.
 *
 * @param kind        {@code s3} or {@code directory}
 * @param credentials {@code stored (key id AKIA…XYZ)} or {@code node environment}; never the secret
 * @param fullEvery   every Nth backup of a volume is a full one
 */
public record BackupTargetInfo(String name, String kind, String location, String credentials, boolean encrypted, int fullEvery,
                               String createdAt) {}
