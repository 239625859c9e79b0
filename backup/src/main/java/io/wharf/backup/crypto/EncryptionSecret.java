package io.wharf.backup.crypto;

import io.wharf.backup.BackupError;
import io.wharf.backup.BackupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The secret an encrypted target's keys are derived from: a passphrase (stretched with PBKDF2) or
 * the bytes of a key file (at least 32 random bytes, e.g. {@code head -c 32 /dev/urandom}; HKDF).
 * {@link #toString} never shows it. The engine keeps only derived keys.
 */
public sealed interface EncryptionSecret permits EncryptionSecret.Passphrase, EncryptionSecret.KeyFile {
    String PBKDF2 = "pbkdf2-hmac-sha256";
    String HKDF = "hkdf-sha256";

    /** The key-derivation function this kind of secret uses, as recorded in the target's descriptor. */
    String kdf();

    static EncryptionSecret passphrase(String passphrase) {
        return new Passphrase(passphrase.toCharArray());
    }

    /** Reads a key file; it must hold at least 32 bytes. */
    static EncryptionSecret keyFile(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BackupException(BackupError.ENCRYPTION_KEY_REQUIRED, "cannot read the encryption key file " + file
                    + " (" + e.getClass().getSimpleName() + ")", "check the path and its permissions", e);
        }
        if (bytes.length < 32) {
            throw new BackupException(BackupError.ENCRYPTION_KEY_REQUIRED, "the encryption key file " + file + " holds "
                    + bytes.length + " bytes, fewer than 32", "make one with: head -c 32 /dev/urandom > FILE");
        }
        return new KeyFile(bytes);
    }

    final class Passphrase implements EncryptionSecret {
        private final char[] value;

        public Passphrase(char[] value) {
            Objects.requireNonNull(value, "passphrase");
            if (value.length < 8) {
                throw new BackupException(BackupError.ENCRYPTION_KEY_REQUIRED, "the encryption passphrase is shorter than 8 characters",
                        "use a longer passphrase, or a key file");
            }
            this.value = value.clone();
        }

        char[] value() {
            return value.clone();
        }

        @Override
        public String kdf() {
            return PBKDF2;
        }

        @Override
        public String toString() {
            return "Passphrase[****]";
        }
    }

    final class KeyFile implements EncryptionSecret {
        private final byte[] bytes;

        public KeyFile(byte[] bytes) {
            this.bytes = bytes.clone();
        }

        byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public String kdf() {
            return HKDF;
        }

        @Override
        public String toString() {
            return "KeyFile[****]";
        }
    }
}
