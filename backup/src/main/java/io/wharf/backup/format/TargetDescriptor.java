package io.wharf.backup.format;

import java.time.Instant;

/**
 * {@code wharf-backup.json}, the one plaintext object: written once when a target is initialised,
 * never changed. Holds no secret: the salt and iteration count are public by design, and the key
 * check is a PRF output that tells a wrong key without revealing the right one.
 *
 * @param encryption null for a plaintext target
 */
public record TargetDescriptor(int format, String kind, Instant createdAt, Encryption encryption) {
    public static final int FORMAT = 1;
    public static final String KIND = "wharf-backup-target";

    /**
     * @param cipher     {@code aes-256-gcm}
     * @param kdf        {@code pbkdf2-hmac-sha256} (passphrase) or {@code hkdf-sha256} (key file)
     * @param iterations PBKDF2 iterations (0 for HKDF)
     * @param salt       base64 of 16 random bytes
     * @param keyCheck   hex of 16 bytes derived with the label {@code key-check}
     * @param chunkIds   {@code hmac-sha256}
     */
    public record Encryption(String cipher, String kdf, int iterations, String salt, String keyCheck, String chunkIds) {}
}
