package io.wharf.backup.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.backup.crypto.EncryptionSecret;
import io.wharf.backup.crypto.KeyRing;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private static final byte[] SALT = new byte[16];
    private static final KeyRing KEYS = KeyRing.derive(EncryptionSecret.passphrase("a test passphrase"), SALT, 10_000);

    private static byte[] randomBytes(int n) {
        byte[] data = new byte[n];
        new SplittableRandom(n).nextBytes(data);
        return data;
    }

    @Test
    void roundTripsCompressibleAndRandomContentPlainAndEncrypted() throws Exception {
        byte[] text = "compress me ".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        byte[] noise = randomBytes(100_000);
        for (KeyRing keys : new KeyRing[] {KeyRing.plaintext(), KEYS}) {
            Envelope envelope = new Envelope(keys, 1);
            byte[] small = envelope.encode(ObjectKind.CHUNK, "k", text);
            assertThat(small.length).isLessThan(text.length / 10);
            assertThat(envelope.decode(ObjectKind.CHUNK, "k", small)).isEqualTo(text);
            byte[] stored = envelope.encode(ObjectKind.CHUNK, "k", noise);
            assertThat(stored.length).isLessThan(noise.length + 64); // stored as is, not grown
            assertThat(envelope.decode(ObjectKind.CHUNK, "k", stored)).isEqualTo(noise);
            assertThat(envelope.decode(ObjectKind.MANIFEST, "m", envelope.encode(ObjectKind.MANIFEST, "m", new byte[0]))).isEmpty();
        }
    }

    @Test
    void everyAlterationIsDetected() throws Exception {
        for (KeyRing keys : new KeyRing[] {KeyRing.plaintext(), KEYS}) {
            Envelope envelope = new Envelope(keys, 1);
            byte[] data = randomBytes(5000);
            byte[] stored = envelope.encode(ObjectKind.CHUNK, "name", data);
            for (int at = 0; at < stored.length; at += 97) {
                byte[] altered = stored.clone();
                altered[at] ^= 0x10;
                assertThatThrownBy(() -> envelope.decode(ObjectKind.CHUNK, "name", altered)).isInstanceOf(CorruptObjectException.class);
            }
            assertThatThrownBy(() -> envelope.decode(ObjectKind.CHUNK, "name", java.util.Arrays.copyOf(stored, stored.length - 1)))
                    .isInstanceOf(CorruptObjectException.class);
            assertThatThrownBy(() -> envelope.decode(ObjectKind.MANIFEST, "name", stored)).isInstanceOf(CorruptObjectException.class);
        }
        Envelope encrypted = new Envelope(KEYS, 1);
        byte[] stored = encrypted.encode(ObjectKind.CHUNK, "name", new byte[100]);
        assertThatThrownBy(() -> encrypted.decode(ObjectKind.CHUNK, "other-name", stored)).isInstanceOf(CorruptObjectException.class)
                .hasMessageContaining("authentication tag");
        KeyRing otherKey = KeyRing.derive(EncryptionSecret.passphrase("another passphrase"), SALT, 10_000);
        assertThatThrownBy(() -> new Envelope(otherKey, 1).decode(ObjectKind.CHUNK, "name", stored)).isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> new Envelope(KeyRing.plaintext(), 1).decode(ObjectKind.CHUNK, "name", stored))
                .hasMessageContaining("encrypted");
    }

    @Test
    void chunkIdsAreKeyedWhenEncrypted() {
        byte[] data = randomBytes(4096);
        String plain = KeyRing.plaintext().chunkId(data, 0, data.length);
        String keyed = KEYS.chunkId(data, 0, data.length);
        assertThat(plain).hasSize(64).isNotEqualTo(keyed);
        assertThat(KeyRing.derive(EncryptionSecret.passphrase("a test passphrase"), SALT, 10_000).chunkId(data, 0, data.length)).isEqualTo(keyed);
        assertThat(KeyRing.derive(EncryptionSecret.passphrase("a test passphrase"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                10_000).chunkId(data, 0, data.length)).isNotEqualTo(keyed);
        assertThat(KEYS.toString()).doesNotContain("passphrase");
        assertThat(EncryptionSecret.passphrase("a test passphrase").toString()).isEqualTo("Passphrase[****]");
    }
}
