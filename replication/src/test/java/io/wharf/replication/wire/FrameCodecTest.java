package io.wharf.replication.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Round trips of every message kind, whole and in two steps, and the codec's buffer contract. */
class FrameCodecTest {

    @Test
    void everyKindRoundTripsThroughDecode() {
        for (Message message : Frames.everyKind()) {
            ByteBuffer frame = Frames.encode(message);
            assertThat(frame.remaining()).isEqualTo(FrameCodec.frameBytes(message));
            DecodeResult<Message> result = FrameCodec.decode(frame);
            assertThat(result).as("%s", message).isEqualTo(new DecodeResult.Ok<>(message));
            assertThat(frame.hasRemaining()).as("frame fully consumed").isFalse();
        }
    }

    @Test
    void everyKindRoundTripsThroughHeaderThenBody() {
        for (Message message : Frames.everyKind()) {
            ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_BYTES);
            FrameCodec.encodeHeader(message, header);
            assertThat(header.hasRemaining()).isFalse();
            header.flip();
            DecodeResult<FrameHeader> decoded = FrameCodec.decodeHeader(header);
            assertThat(decoded).isInstanceOf(DecodeResult.Ok.class);
            FrameHeader frameHeader = ((DecodeResult.Ok<FrameHeader>) decoded).value();
            assertThat(frameHeader.type()).isEqualTo(message.type());
            assertThat(frameHeader.requestId()).isEqualTo(message.requestId());
            assertThat(header.position()).isEqualTo(FrameCodec.HEADER_BYTES);
            assertThat(FrameCodec.decodeBody(frameHeader, FrameCodec.payload(message))).isEqualTo(new DecodeResult.Ok<>(message));
        }
    }

    @Test
    void everyPrefixOfAFrameIsIncompleteAndConsumesNothing() {
        for (Message message : Frames.everyKind()) {
            ByteBuffer frame = Frames.encode(message);
            for (int length = 0; length < frame.remaining(); length++) {
                ByteBuffer prefix = frame.slice(0, length);
                DecodeResult<Message> result = FrameCodec.decode(prefix);
                int expected = length < FrameCodec.HEADER_BYTES ? FrameCodec.HEADER_BYTES : frame.remaining();
                assertThat(result).as("%s cut at %d", message.type(), length).isEqualTo(new DecodeResult.Incomplete<>(expected));
                assertThat(prefix.position()).isZero();
            }
        }
    }

    @Test
    void framesBackToBackDecodeInOrder() {
        List<Message> messages = Frames.everyKind();
        int total = messages.stream().mapToInt(FrameCodec::frameBytes).sum();
        ByteBuffer stream = ByteBuffer.allocate(total);
        messages.forEach(message -> FrameCodec.encode(message, stream));
        stream.flip();
        for (Message message : messages) {
            assertThat(FrameCodec.decode(stream)).isEqualTo(new DecodeResult.Ok<>(message));
        }
        assertThat(stream.hasRemaining()).isFalse();
    }

    @Test
    void encodingDoesNotMoveTheDataBuffersAndDecodingDoesNotCopyThem() {
        ByteBuffer data = ByteBuffer.allocateDirect(8192).position(100).limit(4196);
        Message.Write write = new Message.Write(1, 1, 1, 0, data, false);
        ByteBuffer frame = ByteBuffer.allocateDirect(FrameCodec.frameBytes(write));
        FrameCodec.encode(write, frame);
        assertThat(data.position()).isEqualTo(100);
        assertThat(data.limit()).isEqualTo(4196);
        frame.flip();
        Message.Write decoded = (Message.Write) ((DecodeResult.Ok<Message>) FrameCodec.decode(frame)).value();
        frame.put(FrameCodec.HEADER_BYTES, (byte) 42);
        assertThat(decoded.data().get(0)).as("a view of the input").isEqualTo((byte) 42);
    }

    @Test
    void helloOfAnotherVersionStillDecodesSoItCanBeRefused() {
        Message.Hello future = new Message.Hello(1, 7, "cluster-a", "node-9");
        assertThat(FrameCodec.decode(Frames.encode(future))).isEqualTo(new DecodeResult.Ok<>(future));
    }

    @Test
    void replyHelpersEncodeTheirPayloads() {
        Message.Reply error = Message.Reply.error(3, Status.IO_ERROR, ErrorCode.IO_ERROR, "x".repeat(5000));
        assertThat(error.error().code()).isEqualTo("IO_ERROR");
        assertThat(error.error().message()).hasSize(ErrorDetail.MAX_MESSAGE_BYTES);
        List<ExtentRun> runs = List.of(new ExtentRun(1, false), new ExtentRun(2, true));
        assertThat(ExtentRun.decode(Message.Reply.extents(4, runs).payload())).isEqualTo(new DecodeResult.Ok<>(runs));
        assertThatThrownBy(() -> Message.Reply.ok(1).error()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Message.Reply.error(1, Status.OK, ErrorCode.INTERNAL, "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statusTableIsStableAndMapsErrorCodes() {
        assertThat(Status.OK.code()).isZero();
        assertThat(Status.of(Status.VOLUME_NOT_FOUND.code())).isEqualTo(Status.VOLUME_NOT_FOUND);
        assertThat(Status.of(ErrorCode.INVALID_ARGUMENT)).isEqualTo(Status.INVALID_ARGUMENT);
        assertThat(Status.of(ErrorCode.SNAPSHOT_LIMIT)).isEqualTo(Status.REFUSED);
        assertThat(Status.of(999)).isNull();
        for (Status status : Status.values()) {
            assertThat(Status.of(status.code())).isEqualTo(status);
        }
    }

    @Test
    void invalidMessagesAreRefusedOnConstruction() {
        assertThatThrownBy(() -> new Message.Read(1, 0, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Read(1, 1, 0, 0, FrameCodec.MAX_PAYLOAD_BYTES + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Trim(1, 1, 0, Long.MAX_VALUE, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Open(1, "v".repeat(256), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Open(1, "v", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message.Hello(1, 0, "c", "n")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ErrorDetail("lower", "m")).isInstanceOf(IllegalArgumentException.class);
    }
}
