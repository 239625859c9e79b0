package io.wharf.backup;

/** {@code length} bytes from {@code offset} of a volume. */
public record ByteRange(long offset, long length) {
    public ByteRange {
        if (offset < 0 || length < 0 || offset + length < offset) {
            throw new IllegalArgumentException("bad range " + offset + "+" + length);
        }
    }

    public long end() {
        return offset + length;
    }
}
