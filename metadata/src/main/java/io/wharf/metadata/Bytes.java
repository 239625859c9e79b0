package io.wharf.metadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string: the type of every key and value in a {@link ClusterStore}, as in
 * etcd. Ordered by unsigned lexicographic comparison, which is etcd's key order, so a range
 * by prefix is a contiguous run of keys.
 */
public final class Bytes implements Comparable<Bytes> {
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code bytes}; later changes to the array do not show. */
    public static Bytes of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /** The UTF-8 encoding of {@code text}. */
    public static Bytes of(String text) {
        return text.isEmpty() ? EMPTY : new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The remaining bytes of {@code buffer}, copied; the buffer's position does not move. */
    public static Bytes of(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy.length == 0 ? EMPTY : new Bytes(copy);
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public byte byteAt(int index) {
        return bytes[index];
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** A read-only view without copying, for writing the bytes out. */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** The bytes decoded as UTF-8 (malformed input is replaced, never thrown). */
    public String toUtf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public boolean startsWith(Bytes prefix) {
        return bytes.length >= prefix.bytes.length
                && Arrays.equals(bytes, 0, prefix.bytes.length, prefix.bytes, 0, prefix.bytes.length);
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Bytes that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The text if the bytes are printable ASCII, else {@code 0x} and hex. For logs and messages. */
    @Override
    public String toString() {
        for (byte b : bytes) {
            if (b < 0x20 || b == 0x7f) {
                return "0x" + HexFormat.of().formatHex(bytes);
            }
        }
        return toUtf8();
    }
}
