package io.wharf.backup.format;

import io.wharf.backup.crypto.KeyRing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * The frame of every object the engine writes except the target descriptor (see the package
 * comment for the layout). Encodes and decodes with one target's {@link KeyRing} and compression
 * level; safe for concurrent use.
 */
public final class Envelope {
    public static final int HEADER_BYTES = 12;
    public static final int DIGEST_BYTES = 32;
    /** Largest plaintext an envelope may hold: a chunk, or a manifest of a 64 TiB volume in 1 MiB chunks. */
    public static final int MAX_RAW_BYTES = 1 << 30;
    private static final byte[] MAGIC = {'W', 'H', 'B', 'K'};
    private static final byte VERSION = 1;
    private static final byte ENCRYPTED = 1;

    private final KeyRing keys;
    private final int compressionLevel;

    public Envelope(KeyRing keys, int compressionLevel) {
        this.keys = keys;
        this.compressionLevel = compressionLevel;
    }

    public KeyRing keys() {
        return keys;
    }

    /** Frames {@code length} bytes of {@code plain}; {@code name} (the object's id) is authenticated when encrypted. */
    public byte[] encode(ObjectKind kind, String name, byte[] plain, int offset, int length) {
        if (length > MAX_RAW_BYTES) {
            throw new IllegalArgumentException(kind + " " + name + " of " + length + " bytes is too large");
        }
        Compression.Compressed body = Compression.compress(plain, offset, length, compressionLevel, HEADER_BYTES);
        byte[] header = header(kind, body.codec(), length);
        if (keys.encrypted()) {
            byte[] sealed = keys.seal(aad(header, name), body.data(), body.offset(), body.length());
            byte[] out = new byte[HEADER_BYTES + sealed.length];
            System.arraycopy(header, 0, out, 0, HEADER_BYTES);
            System.arraycopy(sealed, 0, out, HEADER_BYTES, sealed.length);
            return out;
        }
        byte[] out = new byte[HEADER_BYTES + body.length() + DIGEST_BYTES];
        System.arraycopy(header, 0, out, 0, HEADER_BYTES);
        System.arraycopy(body.data(), body.offset(), out, HEADER_BYTES, body.length());
        System.arraycopy(sha256(plain, offset, length), 0, out, HEADER_BYTES + body.length(), DIGEST_BYTES);
        return out;
    }

    public byte[] encode(ObjectKind kind, String name, byte[] plain) {
        return encode(kind, name, plain, 0, plain.length);
    }

    /** The plaintext of an object; every check failure is a CorruptObjectException saying which. */
    public byte[] decode(ObjectKind kind, String name, byte[] stored) throws CorruptObjectException {
        if (stored.length < HEADER_BYTES) {
            throw new CorruptObjectException("object of " + stored.length + " bytes is shorter than the header");
        }
        if (!Arrays.equals(stored, 0, 4, MAGIC, 0, 4)) {
            throw new CorruptObjectException("object does not start with the backup magic");
        }
        if (stored[4] != VERSION) {
            throw new CorruptObjectException("object has format version " + stored[4] + "; this version reads " + VERSION);
        }
        if (stored[5] != kind.tag()) {
            throw new CorruptObjectException("object is of kind " + stored[5] + ", expected " + kind);
        }
        boolean encrypted = (stored[6] & ENCRYPTED) != 0;
        if (encrypted != keys.encrypted()) {
            throw new CorruptObjectException(encrypted ? "object is encrypted but the target is not" : "object is not encrypted but the target is");
        }
        byte codec = stored[7];
        int rawLength = ByteBuffer.wrap(stored, 8, 4).getInt();
        if (rawLength < 0 || rawLength > MAX_RAW_BYTES) {
            throw new CorruptObjectException("object claims " + rawLength + " bytes");
        }
        if (encrypted) {
            byte[] body;
            try {
                body = keys.open(aad(Arrays.copyOf(stored, HEADER_BYTES), name), stored, HEADER_BYTES, stored.length - HEADER_BYTES);
            } catch (AEADBadTagException e) {
                throw new CorruptObjectException("authentication tag does not match (object altered, or another key)", e);
            }
            return Compression.decompress(codec, body, 0, body.length, rawLength);
        }
        int bodyLength = stored.length - HEADER_BYTES - DIGEST_BYTES;
        if (bodyLength < 0) {
            throw new CorruptObjectException("object is truncated");
        }
        byte[] plain = Compression.decompress(codec, stored, HEADER_BYTES, bodyLength, rawLength);
        if (!MessageDigest.isEqual(sha256(plain, 0, plain.length), Arrays.copyOfRange(stored, stored.length - DIGEST_BYTES, stored.length))) {
            throw new CorruptObjectException("SHA-256 of the content does not match the object's checksum");
        }
        return plain;
    }

    private byte[] header(ObjectKind kind, byte codec, int rawLength) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).put(VERSION).put((byte) kind.tag()).put(keys.encrypted() ? ENCRYPTED : 0).put(codec).putInt(rawLength);
        return header.array();
    }

    private static byte[] aad(byte[] header, String name) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] aad = Arrays.copyOf(header, HEADER_BYTES + nameBytes.length);
        System.arraycopy(nameBytes, 0, aad, HEADER_BYTES, nameBytes.length);
        return aad;
    }

    static byte[] sha256(byte[] data, int offset, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(data, offset, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
