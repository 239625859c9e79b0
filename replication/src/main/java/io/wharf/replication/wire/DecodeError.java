package io.wharf.replication.wire;

import java.util.Objects;

/**
 * Why input is not a valid frame.
 *
 * @param kind   what is wrong, for code to act on
 * @param detail what exactly, for the log
 */
public record DecodeError(Kind kind, String detail) {
    public enum Kind {
        /** The first four bytes are not {@link FrameCodec#MAGIC}: not this protocol, or lost framing. */
        BAD_MAGIC,
        /** A version this build does not speak (only Hello frames of any version decode, so they can be answered). */
        UNSUPPORTED_VERSION,
        /** A message type this version does not know. */
        UNKNOWN_TYPE,
        /** A flag the message type does not allow. */
        BAD_FLAGS,
        /** A header field out of range, or set where the type does not use it. */
        BAD_FIELD,
        /** A payload or I/O length over the stated limit. */
        LENGTH_OVER_LIMIT,
        /** The header's CRC32C does not match its bytes. */
        HEADER_CHECKSUM,
        /** The payload's CRC32C does not match the header's. */
        PAYLOAD_CHECKSUM,
        /** The payload does not decode as the type's body (strings, sizes, extent list, error detail). */
        BAD_PAYLOAD
    }

    public DecodeError {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return kind + ": " + detail;
    }
}
