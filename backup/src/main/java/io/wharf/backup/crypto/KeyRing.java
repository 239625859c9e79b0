package io.wharf.backup.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one target, derived once when the engine opens it, or none for a plaintext target.
 *
 * <p>Derivation: a 256-bit master key from the secret and the target's random 16-byte salt
 * (PBKDF2-HMAC-SHA256 with the stored iteration count for a passphrase; HKDF-Extract-SHA256 for a
 * key file), then HKDF-Expand-SHA256 with distinct labels: {@code wharf-backup/v1/aes-256-gcm} (the
 * data key), {@code wharf-backup/v1/chunk-id} (the HMAC key that names chunks) and
 * {@code wharf-backup/v1/key-check} (16 bytes stored in the descriptor to tell a wrong key at open).
 *
 * <p>Chunk ids: SHA-256 of the plaintext for a plaintext target; HMAC-SHA256 under the chunk-id key
 * for an encrypted one, so that ids reveal nothing about the data to someone without the key (a
 * plain hash would let anyone confirm a guessed block) while equal data still gets equal ids within
 * the target, which is what dedup needs.
 *
 * <p>Sealing: AES-256-GCM, a random 96-bit nonce per object, 128-bit tag. Nonces are random, so the
 * usual bound applies: fewer than 2^32 objects per key (16 PiB of 4 MiB chunks) keeps the chance of a
 * repeated nonce negligible.
 */
public final class KeyRing {
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final SecretKey dataKey;     // null: plaintext
    private final SecretKey chunkIdKey;  // null: plaintext
    private final String keyCheck;

    private KeyRing(SecretKey dataKey, SecretKey chunkIdKey, String keyCheck) {
        this.dataKey = dataKey;
        this.chunkIdKey = chunkIdKey;
        this.keyCheck = keyCheck;
    }

    public static KeyRing plaintext() {
        return new KeyRing(null, null, null);
    }

    /** Derives the keys; {@code iterations} is used for a passphrase only. */
    public static KeyRing derive(EncryptionSecret secret, byte[] salt, int iterations) {
        try {
            SecretKey master = switch (secret) {
                case EncryptionSecret.Passphrase passphrase -> pbkdf2(passphrase.value(), salt, iterations);
                case EncryptionSecret.KeyFile keyFile -> hkdfExtract(keyFile.bytes(), salt);
            };
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            SecretKey data = hkdf.deriveKey("AES", HKDFParameterSpec.expandOnly(master, label("aes-256-gcm"), 32));
            byte[] idKey = hkdf.deriveData(HKDFParameterSpec.expandOnly(master, label("chunk-id"), 32));
            byte[] check = hkdf.deriveData(HKDFParameterSpec.expandOnly(master, label("key-check"), 16));
            return new KeyRing(data, new SecretKeySpec(idKey, "HmacSHA256"), HEX.formatHex(check));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks a required algorithm", e);
        }
    }

    public static byte[] newSalt() {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return salt;
    }

    public boolean encrypted() {
        return dataKey != null;
    }

    /** Hex of 16 bytes derived from the master key; null for plaintext. */
    public String keyCheck() {
        return keyCheck;
    }

    /** The chunk id (64 hex digits) of {@code length} bytes of {@code data} from {@code offset}. */
    public String chunkId(byte[] data, int offset, int length) {
        try {
            if (chunkIdKey == null) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(data, offset, length);
                return HEX.formatHex(sha.digest());
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(chunkIdKey);
            mac.update(data, offset, length);
            return HEX.formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256 or HmacSHA256", e);
        }
    }

    /** {@code nonce | ciphertext | tag} of {@code plain[offset, offset + length)}, authenticating {@code aad}. */
    public byte[] seal(byte[] aad, byte[] plain, int offset, int length) {
        assert encrypted();
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, dataKey, new GCMParameterSpec(TAG_BYTES * 8, nonce));
            cipher.updateAAD(aad);
            byte[] out = new byte[NONCE_BYTES + length + TAG_BYTES];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            int written = cipher.doFinal(plain, offset, length, out, NONCE_BYTES);
            assert written == length + TAG_BYTES;
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    /** The plaintext of {@link #seal}'s output; throws AEADBadTagException when it was altered or the key is another. */
    public byte[] open(byte[] aad, byte[] sealed, int offset, int length) throws AEADBadTagException {
        assert encrypted();
        if (length < NONCE_BYTES + TAG_BYTES) {
            throw new AEADBadTagException("sealed object of " + length + " bytes is too short");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, dataKey, new GCMParameterSpec(TAG_BYTES * 8, Arrays.copyOfRange(sealed, offset, offset + NONCE_BYTES)));
            cipher.updateAAD(aad);
            return cipher.doFinal(sealed, offset + NONCE_BYTES, length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    private static SecretKey pbkdf2(char[] passphrase, byte[] salt, int iterations) throws GeneralSecurityException {
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, iterations, 256);
        try {
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            return new SecretKeySpec(key, "HKDF-PRK");
        } finally {
            spec.clearPassword();
            Arrays.fill(passphrase, '\0');
        }
    }

    private static SecretKey hkdfExtract(byte[] keyMaterial, byte[] salt) throws GeneralSecurityException {
        try {
            return KDF.getInstance("HKDF-SHA256").deriveKey("HKDF-PRK",
                    HKDFParameterSpec.ofExtract().addIKM(keyMaterial).addSalt(salt).extractOnly());
        } finally {
            Arrays.fill(keyMaterial, (byte) 0);
        }
    }

    private static byte[] label(String name) {
        return ("wharf-backup/v1/" + name).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return encrypted() ? "KeyRing[encrypted]" : "KeyRing[plaintext]";
    }
}
