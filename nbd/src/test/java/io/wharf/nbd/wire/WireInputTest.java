package io.wharf.nbd.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ScatteringByteChannel;
import java.util.Random;

class WireInputTest {

    /** Delivers at most {@code step} bytes per read, like a slow socket. */
    private static final class TrickleChannel implements ScatteringByteChannel {
        private final ByteBuffer source;
        private final int step;

        TrickleChannel(byte[] bytes, int step) {
            this.source = ByteBuffer.wrap(bytes);
            this.step = step;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!source.hasRemaining()) {
                return -1;
            }
            int n = Math.min(step, Math.min(dst.remaining(), source.remaining()));
            dst.put(source.slice(source.position(), n));
            source.position(source.position() + n);
            return n;
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            if (!source.hasRemaining()) {
                return -1;
            }
            for (int i = offset; i < offset + length; i++) {
                if (dsts[i].hasRemaining()) {
                    return read(dsts[i]);
                }
            }
            return 0;
        }

        @Override
        public long read(ByteBuffer[] dsts) {
            return read(dsts, 0, dsts.length);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void readsHeadersAndPayloadsAcrossArbitrarySplits() throws Exception {
        byte[] payload = new byte[300_000];
        new Random(1).nextBytes(payload);
        ByteBuffer stream = ByteBuffer.allocate(12 + payload.length + 8);
        stream.putInt(0x25609513).putLong(42).put(payload).putLong(-1);
        for (int step : new int[] {1, 7, 4096, 1 << 20}) {
            WireInput in = new WireInput(new TrickleChannel(stream.array(), step), ByteBuffer.allocateDirect(1024));
            assertThat(in.fill(12)).isTrue();
            assertThat(in.getInt()).isEqualTo(0x25609513);
            assertThat(in.getLong()).isEqualTo(42);
            ByteBuffer[] parts = {ByteBuffer.allocate(100_000), ByteBuffer.allocateDirect(150_000), ByteBuffer.allocate(50_000)};
            in.readFully(parts, 3);
            ByteBuffer joined = ByteBuffer.allocate(payload.length);
            for (ByteBuffer part : parts) {
                joined.put(part.flip());
            }
            assertThat(joined.array()).isEqualTo(payload);
            in.require(8);
            assertThat(in.getLong()).isEqualTo(-1);
            assertThat(in.fill(1)).as("clean end between messages").isFalse();
        }
    }

    @Test
    void endInsideAMessageIsTruncation() throws Exception {
        WireInput in = new WireInput(new TrickleChannel(new byte[10], 3), ByteBuffer.allocate(64));
        assertThatThrownBy(() -> in.fill(28)).isInstanceOf(EOFException.class);
        WireInput skipping = new WireInput(new TrickleChannel(new byte[10], 3), ByteBuffer.allocate(64));
        assertThatThrownBy(() -> skipping.skip(11)).isInstanceOf(EOFException.class);
        WireInput bytes = new WireInput(new TrickleChannel(new byte[10], 3), ByteBuffer.allocate(64));
        assertThatThrownBy(() -> bytes.readFully(new byte[11])).isInstanceOf(EOFException.class);
    }

    @Test
    void neverBuffersMoreThanItsCapacity() {
        WireInput in = new WireInput(new TrickleChannel(new byte[10], 3), ByteBuffer.allocate(16));
        assertThatThrownBy(() -> in.fill(17)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void skipDiscardsExactly() throws Exception {
        byte[] bytes = new byte[5000];
        bytes[4999] = 7;
        WireInput in = new WireInput(new TrickleChannel(bytes, 333), ByteBuffer.allocate(256));
        in.skip(4999);
        byte[] last = new byte[1];
        in.readFully(last);
        assertThat(last[0]).isEqualTo((byte) 7);
    }
}
