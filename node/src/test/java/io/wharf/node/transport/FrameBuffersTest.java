package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.replication.wire.FrameCodec;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The reuse and the bounds of {@link FrameBuffers}. */
class FrameBuffersTest {

    @Test
    void aGivenBufferIsHandedOutAgainForTheSameClass() {
        FrameBuffers buffers = new FrameBuffers(8L << 20, 4L << 20);
        ByteBuffer first = buffers.take(5000);
        assertThat(first.isDirect()).isTrue();
        assertThat(first.position()).isZero();
        assertThat(first.limit()).isEqualTo(5000);
        assertThat(first.capacity()).isEqualTo(8192);
        buffers.give(first);
        ByteBuffer again = buffers.take(6000);
        assertThat(again).isSameAs(first);
        assertThat(again.limit()).isEqualTo(6000);
        assertThat(buffers.take(5000)).isNotSameAs(first); // taken: a new one
    }

    @Test
    void aWholeFrameOfTheLargestPayloadFitsOneBuffer() {
        FrameBuffers buffers = new FrameBuffers(8L << 20, 4L << 20);
        int frameBytes = FrameCodec.HEADER_BYTES + FrameCodec.MAX_PAYLOAD_BYTES;
        ByteBuffer frame = buffers.take(frameBytes);
        assertThat(frame.isDirect()).isTrue();
        assertThat(frame.remaining()).isEqualTo(frameBytes);
        ByteBuffer payload = buffers.take(FrameCodec.MAX_PAYLOAD_BYTES);
        assertThat(payload.capacity()).isEqualTo(FrameCodec.MAX_PAYLOAD_BYTES);
        assertThatThrownBy(() -> buffers.take(FrameBuffers.MAX_BUFFER_BYTES + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pastTheDirectBudgetBuffersComeFromTheHeapAndAreNotKept() {
        FrameBuffers buffers = new FrameBuffers(2L << 20, 4L << 20);
        ByteBuffer one = buffers.take(1 << 20);
        ByteBuffer two = buffers.take(1 << 20);
        ByteBuffer three = buffers.take(1 << 20);
        assertThat(one.isDirect()).isTrue();
        assertThat(two.isDirect()).isTrue();
        assertThat(three.isDirect()).isFalse();
        assertThat(buffers.directBytes()).isEqualTo(2L << 20);
        buffers.give(three);
        buffers.give(one);
        assertThat(buffers.take(1 << 20)).isSameAs(one);
    }

    @Test
    void theCacheKeepsAtMostItsBytes() {
        FrameBuffers buffers = new FrameBuffers(8L << 20, 1L << 20);
        ByteBuffer one = buffers.take(1 << 20);
        ByteBuffer two = buffers.take(1 << 20);
        buffers.give(one);
        buffers.give(two); // over the cache: dropped
        assertThat(buffers.take(1 << 20)).isSameAs(one);
        assertThat(buffers.take(1 << 20)).isNotSameAs(two);
    }

    @Test
    void aCopyHasTheRemainingBytesAndLeavesTheSourceAlone() {
        FrameBuffers buffers = new FrameBuffers(8L << 20, 1L << 20);
        ByteBuffer source = ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}).position(1);
        ByteBuffer copy = buffers.copyOf(source);
        assertThat(source.position()).isEqualTo(1);
        assertThat(copy.position()).isZero();
        assertThat(copy.remaining()).isEqualTo(4);
        assertThat(copy.get(0)).isEqualTo((byte) 2);
        assertThat(copy.get(3)).isEqualTo((byte) 5);
    }
}
