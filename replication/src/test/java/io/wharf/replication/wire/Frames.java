package io.wharf.replication.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test frames: every message kind, and byte-level surgery on encoded frames. */
final class Frames {
    private Frames() {}

    static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    /** One message of every kind, with non-trivial field values. */
    static List<Message> everyKind() {
        ByteBuffer data = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, (byte) (i * 31 + 7));
        }
        return List.of(
                new Message.Hello(1, FrameCodec.PROTOCOL_VERSION, "cluster-a", "node-1"),
                new Message.HelloOk(1, FrameCodec.PROTOCOL_VERSION, "cluster-a", "nöde-2"),
                new Message.Open(2, "pvc-0d7f", 7),
                new Message.Opened(2, 3, 7, 8L << 30, 4096),
                new Message.Close(-1L, 3, 7),
                new Message.Read(Long.MAX_VALUE, 3, 7, 1L << 40, FrameCodec.MAX_PAYLOAD_BYTES),
                new Message.Write(5, 3, 7, 12_288, data, true),
                new Message.Write(6, -2, 0, 0, ByteBuffer.allocate(0), false),
                new Message.Flush(7, 3, 7),
                new Message.Trim(8, 3, 7, 4096, FrameCodec.MAX_RANGE_BYTES, false),
                new Message.Trim(9, 3, 7, 4096, 512, true),
                new Message.WriteZeroes(10, 3, 7, 0, 1 << 20, true, false),
                new Message.WriteZeroes(11, 3, 7, 0, 1 << 20, false, true),
                new Message.Extents(12, 3, 7, Long.MAX_VALUE - 100, 100),
                Message.Reply.ok(13),
                Message.Reply.data(14, bytes("some data")),
                Message.Reply.extents(15, List.of(new ExtentRun(4096, true), new ExtentRun(1L << 40, false))),
                Message.Reply.error(16, Status.VOLUME_NOT_FOUND, io.wharf.core.ErrorCode.VOLUME_NOT_FOUND, "volume x is not here"),
                Message.Reply.error(17, Status.REFUSED, io.wharf.core.ErrorCode.SHRINK_NOT_SUPPORTED, "ünïcode message"));
    }

    static ByteBuffer encode(Message message) {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(message));
        FrameCodec.encode(message, frame);
        return frame.flip();
    }

    /** Recomputes the header checksum after an edit, so that later checks are reached. */
    static ByteBuffer resealHeader(ByteBuffer frame) {
        frame.putInt(FrameCodec.HEADER_CHECKSUM_AT, FrameCodec.checksum(frame.slice(0, FrameCodec.HEADER_CHECKSUM_AT)));
        return frame;
    }

    static ByteBuffer withShort(Message message, int at, int value) {
        ByteBuffer frame = encode(message);
        frame.putShort(at, (short) value);
        return resealHeader(frame);
    }

    static ByteBuffer withInt(Message message, int at, int value) {
        ByteBuffer frame = encode(message);
        frame.putInt(at, value);
        return resealHeader(frame);
    }

    static ByteBuffer withLong(Message message, int at, long value) {
        ByteBuffer frame = encode(message);
        frame.putLong(at, value);
        return resealHeader(frame);
    }

    /** A frame with {@code payload} in place of the message's, with matching length and checksums. */
    static ByteBuffer withPayload(Message message, ByteBuffer payload) {
        ByteBuffer original = encode(message);
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.HEADER_BYTES + payload.remaining());
        frame.put(original.slice(0, FrameCodec.HEADER_BYTES)).put(payload.duplicate()).flip();
        frame.putInt(FrameCodec.PAYLOAD_LENGTH_AT, payload.remaining());
        frame.putInt(FrameCodec.PAYLOAD_CHECKSUM_AT, FrameCodec.checksum(payload));
        return resealHeader(frame);
    }
}
