package io.wharf.replication.wire;

import io.wharf.core.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Everything peers say to each other: one record per {@link MessageType}. Every message carries
 * the request id that pairs a reply with its request; requests on a volume also carry the volume
 * handle (from {@link Opened}) and the sender's epoch of that volume.
 *
 * <p>Records check their own fields on construction (an invalid message is a bug of the sender and
 * throws {@link IllegalArgumentException}); decoding never builds one from invalid input, it reports
 * a {@link DecodeError} instead.
 *
 * <p>{@link Write#data()} and {@link Reply#payload()} are not copied: encoding reads their remaining
 * bytes without moving their position; decoding returns views of the decoder's input.
 */
public sealed interface Message {
    /** Write, trim and zeroing: durable before the reply (NBD's FUA). */
    int FLAG_FUA = 1;
    /** Write zeroes: keep the range allocated (NBD's NO_HOLE); without it the range may be deallocated. */
    int FLAG_NO_HOLE = 2;

    long requestId();

    MessageType type();

    /** Opens a session. Both sides must speak {@code protocolVersion} and belong to cluster {@code clusterId}. */
    record Hello(long requestId, int protocolVersion, String clusterId, String nodeId) implements Message {
        public Hello {
            checkVersion(protocolVersion);
            checkName("cluster id", clusterId);
            checkName("node id", nodeId);
        }

        @Override
        public MessageType type() {
            return MessageType.HELLO;
        }
    }

    /** Accepts a {@link Hello}: the version both will speak and who answered. */
    record HelloOk(long requestId, int protocolVersion, String clusterId, String nodeId) implements Message {
        public HelloOk {
            checkVersion(protocolVersion);
            checkName("cluster id", clusterId);
            checkName("node id", nodeId);
        }

        @Override
        public MessageType type() {
            return MessageType.HELLO_OK;
        }
    }

    /** Opens a volume of the peer's pool for I/O on this connection, at the sender's epoch. */
    record Open(long requestId, String volumeId, long epoch) implements Message {
        public Open {
            checkName("volume id", volumeId);
            checkEpoch(epoch);
        }

        @Override
        public MessageType type() {
            return MessageType.OPEN;
        }
    }

    /** Accepts an {@link Open}: the handle later requests name, the volume's size and block size. */
    record Opened(long requestId, int volumeHandle, long epoch, long sizeBytes, int blockSizeBytes) implements Message {
        public Opened {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            if (sizeBytes < 0 || blockSizeBytes <= 0) {
                throw new IllegalArgumentException("size " + sizeBytes + " and block size " + blockSizeBytes + " must be positive");
            }
        }

        @Override
        public MessageType type() {
            return MessageType.OPENED;
        }
    }

    /** Releases a handle on this connection; requests already received still complete. */
    record Close(long requestId, int volumeHandle, long epoch) implements Message {
        public Close {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
        }

        @Override
        public MessageType type() {
            return MessageType.CLOSE;
        }
    }

    /** Reads {@code length} bytes at {@code offset}; the reply's payload holds them. */
    record Read(long requestId, int volumeHandle, long epoch, long offset, int length) implements Message {
        public Read {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkRange(offset, length, FrameCodec.MAX_PAYLOAD_BYTES);
        }

        @Override
        public MessageType type() {
            return MessageType.READ;
        }
    }

    /** Writes the remaining bytes of {@code data} at {@code offset}; with {@code fua}, durably. */
    record Write(long requestId, int volumeHandle, long epoch, long offset, ByteBuffer data, boolean fua) implements Message {
        public Write {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            Objects.requireNonNull(data, "data");
            checkRange(offset, data.remaining(), FrameCodec.MAX_PAYLOAD_BYTES);
        }

        public int length() {
            return data.remaining();
        }

        @Override
        public MessageType type() {
            return MessageType.WRITE;
        }
    }

    /** Makes every write, trim and zeroing the volume completed before it durable. */
    record Flush(long requestId, int volumeHandle, long epoch) implements Message {
        public Flush {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
        }

        @Override
        public MessageType type() {
            return MessageType.FLUSH;
        }
    }

    /** The range reads zeros afterwards and gives its space back. */
    record Trim(long requestId, int volumeHandle, long epoch, long offset, long length, boolean fua) implements Message {
        public Trim {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkRange(offset, length, FrameCodec.MAX_RANGE_BYTES);
        }

        @Override
        public MessageType type() {
            return MessageType.TRIM;
        }
    }

    /** The range reads zeros afterwards; with {@code mayPunchHole} it may give its space back. */
    record WriteZeroes(long requestId, int volumeHandle, long epoch, long offset, long length, boolean mayPunchHole,
            boolean fua) implements Message {
        public WriteZeroes {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkRange(offset, length, FrameCodec.MAX_RANGE_BYTES);
        }

        @Override
        public MessageType type() {
            return MessageType.WRITE_ZEROES;
        }
    }

    /**
     * Asks for the allocation map of a range (like NBD block status): the reply's payload is an
     * {@link ExtentRun} list covering a prefix of the range, starting at {@code offset}.
     */
    record Extents(long requestId, int volumeHandle, long epoch, long offset, long length) implements Message {
        public Extents {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkRange(offset, length, FrameCodec.MAX_RANGE_BYTES);
        }

        @Override
        public MessageType type() {
            return MessageType.EXTENTS;
        }
    }

    /**
     * Answers a request other than Hello and Open when they succeed. With {@link Status#OK} the payload
     * is the read data, an encoded {@link ExtentRun} list, or empty; otherwise an encoded
     * {@link ErrorDetail}.
     */
    record Reply(long requestId, Status status, ByteBuffer payload) implements Message {
        private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

        public Reply {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(payload, "payload");
            if (payload.remaining() > FrameCodec.MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("payload of " + payload.remaining() + " bytes is over the limit");
            }
        }

        public static Reply ok(long requestId) {
            return new Reply(requestId, Status.OK, EMPTY);
        }

        public static Reply data(long requestId, ByteBuffer data) {
            return new Reply(requestId, Status.OK, data);
        }

        public static Reply extents(long requestId, List<ExtentRun> runs) {
            return new Reply(requestId, Status.OK, ExtentRun.encode(runs));
        }

        /** A failure: {@code status} on the wire, {@code code}'s name and {@code message} in the payload. */
        public static Reply error(long requestId, Status status, ErrorCode code, String message) {
            if (status == Status.OK) {
                throw new IllegalArgumentException("an error reply needs an error status");
            }
            return new Reply(requestId, status, new ErrorDetail(code.name(), message).encode());
        }

        /** The error of a failed reply. */
        public ErrorDetail error() {
            if (status == Status.OK) {
                throw new IllegalStateException("reply " + requestId + " succeeded");
            }
            return switch (ErrorDetail.decode(payload)) {
                case DecodeResult.Ok<ErrorDetail>(ErrorDetail detail) -> detail;
                case DecodeResult.Malformed<ErrorDetail>(DecodeError error) ->
                        new ErrorDetail(status.errorCode() == null ? ErrorCode.INTERNAL.name() : status.errorCode().name(),
                                "unreadable error detail: " + error.detail());
                case DecodeResult.Incomplete<ErrorDetail> incomplete -> throw new AssertionError(incomplete);
            };
        }

        @Override
        public MessageType type() {
            return MessageType.REPLY;
        }
    }

    private static void checkVersion(int version) {
        if (version < 1 || version > 0xffff) {
            throw new IllegalArgumentException("protocol version " + version + " is out of range 1..65535");
        }
    }

    private static void checkName(String what, String name) {
        Objects.requireNonNull(name, what);
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > FrameCodec.MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " must be 1 to " + FrameCodec.MAX_NAME_BYTES + " bytes of UTF-8: '" + name + "'");
        }
    }

    private static void checkHandle(int handle) {
        if (handle == 0) {
            throw new IllegalArgumentException("volume handle 0 is not a handle");
        }
    }

    private static void checkEpoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch + " is negative");
        }
    }

    private static void checkRange(long offset, long length, long maxLength) {
        if (offset < 0 || length < 0 || length > maxLength || offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") is not valid (length at most " + maxLength + ")");
        }
    }
}
