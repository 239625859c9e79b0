package io.wharf.replication.wire;

import static io.wharf.replication.wire.DecodeError.Kind.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Every kind of malformed frame gives its typed error, and nothing is thrown or consumed. */
class MalformedFrameTest {
    private static final Message.Read READ = new Message.Read(9, 3, 7, 4096, 4096);
    private static final Message.Write WRITE = new Message.Write(9, 3, 7, 4096, Frames.bytes("data"), false);
    private static final Message.Hello HELLO = new Message.Hello(1, 1, "cluster", "node");
    private static final Message.Reply REPLY = Message.Reply.ok(9);

    private static DecodeError.Kind kindOf(ByteBuffer frame) {
        int position = frame.position();
        DecodeResult<Message> result = FrameCodec.decode(frame);
        assertThat(frame.position()).as("nothing consumed").isEqualTo(position);
        assertThat(result).isInstanceOf(DecodeResult.Malformed.class);
        return ((DecodeResult.Malformed<Message>) result).error().kind();
    }

    @Test
    void badMagic() {
        ByteBuffer frame = Frames.encode(READ);
        frame.putInt(0, 0x25609513); // an NBD request
        assertThat(kindOf(frame)).isEqualTo(BAD_MAGIC);
        assertThat(kindOf(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n0123456789012345678901234567".getBytes()))).isEqualTo(BAD_MAGIC);
    }

    @Test
    void headerChecksumMismatchIsReportedBeforeAnyField() {
        ByteBuffer frame = Frames.encode(READ);
        frame.put(FrameCodec.TYPE_AT, (byte) 0x7f); // would be an unknown type, but the checksum says corruption
        assertThat(kindOf(frame)).isEqualTo(HEADER_CHECKSUM);
        frame = Frames.encode(READ);
        frame.putInt(FrameCodec.HEADER_CHECKSUM_AT, frame.getInt(FrameCodec.HEADER_CHECKSUM_AT) ^ 1);
        assertThat(kindOf(frame)).isEqualTo(HEADER_CHECKSUM);
    }

    @Test
    void unknownVersion() {
        assertThat(kindOf(Frames.withShort(READ, FrameCodec.VERSION_AT, 2))).isEqualTo(UNSUPPORTED_VERSION);
        assertThat(kindOf(Frames.withShort(REPLY, FrameCodec.VERSION_AT, 0xffff))).isEqualTo(UNSUPPORTED_VERSION);
        assertThat(kindOf(Frames.withShort(HELLO, FrameCodec.VERSION_AT, 0))).isEqualTo(UNSUPPORTED_VERSION);
    }

    @Test
    void unknownType() {
        assertThat(kindOf(Frames.withShort(READ, FrameCodec.TYPE_AT, 0x40))).isEqualTo(UNKNOWN_TYPE);
        assertThat(kindOf(Frames.withShort(READ, FrameCodec.TYPE_AT, 0))).isEqualTo(UNKNOWN_TYPE);
        assertThat(kindOf(Frames.withShort(READ, FrameCodec.TYPE_AT, 0xffff))).isEqualTo(UNKNOWN_TYPE);
    }

    @Test
    void flagsTheTypeDoesNotAllow() {
        assertThat(kindOf(Frames.withShort(READ, FrameCodec.FLAGS_AT, Message.FLAG_FUA))).isEqualTo(BAD_FLAGS);
        assertThat(kindOf(Frames.withShort(WRITE, FrameCodec.FLAGS_AT, Message.FLAG_NO_HOLE))).isEqualTo(BAD_FLAGS);
        assertThat(kindOf(Frames.withShort(WRITE, FrameCodec.FLAGS_AT, 0x8000))).isEqualTo(BAD_FLAGS);
    }

    @Test
    void fieldsOutOfRangeOrSetWhereUnused() {
        assertThat(kindOf(Frames.withShort(READ, FrameCodec.STATUS_AT, 1))).as("status in a request").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withShort(REPLY, FrameCodec.STATUS_AT, 999))).as("unknown status").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withInt(READ, FrameCodec.HANDLE_AT, 0))).as("missing handle").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withInt(HELLO, FrameCodec.HANDLE_AT, 5))).as("handle in hello").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withLong(READ, FrameCodec.EPOCH_AT, -1))).as("negative epoch").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withLong(REPLY, FrameCodec.EPOCH_AT, 3))).as("epoch in reply").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withLong(READ, FrameCodec.OFFSET_AT, -4096))).as("negative offset").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withLong(READ, FrameCodec.OFFSET_AT, Long.MAX_VALUE - 10))).as("range overflows").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withLong(new Message.Flush(1, 1, 1), FrameCodec.OFFSET_AT, 4096))).as("offset in flush").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withInt(WRITE, FrameCodec.LENGTH_AT, 3))).as("write length != payload").isEqualTo(BAD_FIELD);
        assertThat(kindOf(Frames.withPayload(READ, Frames.bytes("x")))).as("payload where none").isEqualTo(BAD_FIELD);
    }

    @Test
    void lengthsOverTheLimitAreRefusedFromTheHeaderAlone() {
        ByteBuffer hugePayload = Frames.withInt(REPLY, FrameCodec.PAYLOAD_LENGTH_AT, FrameCodec.MAX_PAYLOAD_BYTES + 1);
        assertThat(kindOf(hugePayload)).isEqualTo(LENGTH_OVER_LIMIT);
        assertThat(FrameCodec.decodeHeader(hugePayload)).isInstanceOf(DecodeResult.Malformed.class);
        assertThat(kindOf(Frames.withInt(REPLY, FrameCodec.PAYLOAD_LENGTH_AT, -1))).as("u32 max").isEqualTo(LENGTH_OVER_LIMIT);
        assertThat(kindOf(Frames.withInt(READ, FrameCodec.LENGTH_AT, FrameCodec.MAX_PAYLOAD_BYTES + 1))).isEqualTo(LENGTH_OVER_LIMIT);
        assertThat(kindOf(Frames.withInt(HELLO, FrameCodec.PAYLOAD_LENGTH_AT, FrameCodec.MAX_STRUCTURED_PAYLOAD_BYTES + 1)))
                .isEqualTo(LENGTH_OVER_LIMIT);
    }

    @Test
    void payloadChecksumMismatch() {
        ByteBuffer frame = Frames.encode(WRITE);
        frame.put(FrameCodec.HEADER_BYTES + 1, (byte) 'X');
        assertThat(kindOf(frame)).isEqualTo(PAYLOAD_CHECKSUM);
        ByteBuffer header = frame.slice(0, FrameCodec.HEADER_BYTES);
        FrameHeader decoded = ((DecodeResult.Ok<FrameHeader>) FrameCodec.decodeHeader(header)).value();
        assertThat(FrameCodec.decodeBody(decoded, frame.slice(FrameCodec.HEADER_BYTES, 4)))
                .isInstanceOf(DecodeResult.Malformed.class);
    }

    @Test
    void structuredPayloadsThatDoNotDecode() {
        ByteBuffer emptyName = ByteBuffer.allocate(4).putShort((short) 0).putShort((short) 0).flip();
        assertThat(kindOf(Frames.withPayload(HELLO, emptyName))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer truncated = ByteBuffer.allocate(4).putShort((short) 10).put((byte) 'a').put((byte) 'b').flip();
        assertThat(kindOf(Frames.withPayload(new Message.Open(1, "v", 1), truncated))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer invalidUtf8 = ByteBuffer.allocate(4).putShort((short) 2).put((byte) 0xc3).put((byte) 0x28).flip();
        assertThat(kindOf(Frames.withPayload(new Message.Open(1, "v", 1), invalidUtf8))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer trailing = ByteBuffer.allocate(4).putShort((short) 1).put((byte) 'v').put((byte) 0).flip();
        assertThat(kindOf(Frames.withPayload(new Message.Open(1, "v", 1), trailing))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer negativeSize = ByteBuffer.allocate(12).putLong(-1).putInt(4096).flip();
        assertThat(kindOf(Frames.withPayload(new Message.Opened(1, 1, 1, 1, 1), negativeSize))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer badError = ByteBuffer.allocate(5).putShort((short) 1).put((byte) 'x').putShort((short) 0).flip();
        assertThat(kindOf(Frames.withPayload(Message.Reply.error(1, Status.IO_ERROR, io.wharf.core.ErrorCode.IO_ERROR, "m"), badError)))
                .isEqualTo(BAD_PAYLOAD);
    }

    @Test
    void extentListsThatDoNotDecode() {
        assertThat(ExtentRun.decode(ByteBuffer.allocate(2))).isInstanceOf(DecodeResult.Malformed.class);
        assertThat(ExtentRun.decode(ByteBuffer.allocate(4).putInt(0, ExtentRun.MAX_RUNS + 1))).isInstanceOf(DecodeResult.Malformed.class);
        assertThat(ExtentRun.decode(ByteBuffer.allocate(4 + 11).putInt(0, 1))).as("short run").isInstanceOf(DecodeResult.Malformed.class);
        ByteBuffer zeroLength = ByteBuffer.allocate(16).putInt(1).putLong(0).putInt(1).flip();
        assertThat(ExtentRun.decode(zeroLength)).isInstanceOf(DecodeResult.Malformed.class);
        ByteBuffer unknownFlag = ByteBuffer.allocate(16).putInt(1).putLong(4096).putInt(2).flip();
        assertThat(ExtentRun.decode(unknownFlag)).isInstanceOf(DecodeResult.Malformed.class);
    }

    @Test
    void decodeBodyRefusesAPayloadOfTheWrongLengthAsACallerBug() {
        FrameHeader header = ((DecodeResult.Ok<FrameHeader>) FrameCodec.decodeHeader(Frames.encode(WRITE))).value();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FrameCodec.decodeBody(header, ByteBuffer.allocate(3)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
