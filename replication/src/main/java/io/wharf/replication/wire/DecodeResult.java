package io.wharf.replication.wire;

/**
 * What decoding input gave: a value, a request for more bytes, or a typed error. Decoding never
 * throws on bad input.
 */
public sealed interface DecodeResult<T> {
    /** Decoded; the input's position is past what was consumed. */
    record Ok<T>(T value) implements DecodeResult<T> {}

    /** Not enough bytes yet: {@code bytesNeeded} counted from the input's position. Nothing was consumed. */
    record Incomplete<T>(int bytesNeeded) implements DecodeResult<T> {}

    /** The input is not a valid frame; the stream cannot be trusted any further. */
    record Malformed<T>(DecodeError error) implements DecodeResult<T> {}

    static <T> DecodeResult<T> malformed(DecodeError.Kind kind, String detail) {
        return new Malformed<>(new DecodeError(kind, detail));
    }
}
