/**
 * Client-side encryption: {@link io.wharf.backup.crypto.EncryptionSecret} (a passphrase or a key
 * file, never printed) and {@link io.wharf.backup.crypto.KeyRing} (the keys derived from it and the
 * target's salt: PBKDF2-HMAC-SHA256 or HKDF-Extract to a master key, HKDF-Expand to the AES-256-GCM
 * data key, the HMAC-SHA256 chunk-id key and a key check). Everything in the target but its
 * descriptor is sealed with the data key, so the store never holds plaintext volume data or
 * metadata; chunk ids are keyed so that they do not reveal the data either. Uses the JDK only
 * (javax.crypto, including the KDF API of Java 25).
 */
package io.wharf.backup.crypto;
