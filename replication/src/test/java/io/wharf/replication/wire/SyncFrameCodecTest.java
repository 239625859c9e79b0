package io.wharf.replication.wire;

import static io.wharf.replication.wire.DecodeError.Kind.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The synchronous-replication frames: round trips whole and in two steps, every prefix incomplete,
 * each malformation typed, random messages and bit flips; and that they stay apart from the
 * version-1 family (each codec refuses the other's type codes), so version-1 peers are unaffected.
 */
class SyncFrameCodecTest {
    private static final long SEED = Long.getLong("wire.seed", System.nanoTime());

    static RegionBits regions(int count, int... members) {
        BitSet bits = new BitSet();
        for (int member : members) {
            bits.set(member);
        }
        return new RegionBits(count, bits);
    }

    static List<SyncMessage> everyKind() {
        return List.of(
                new SyncMessage.OpenFenced(1, "pvc-0d7f", 12, 8L << 30, false),
                new SyncMessage.OpenFenced(2, "völ", 0, 4096, true),
                new SyncMessage.GetRegions(3, 7, 12, SyncMessage.RegionLog.ACTIVITY, null),
                new SyncMessage.GetRegions(4, -3, 12, SyncMessage.RegionLog.DIRTY, "node-b"),
                new SyncMessage.TrackPeer(5, 7, 12, "node-c", regions(8192, 0, 1, 4095, 8191)),
                new SyncMessage.TrackPeer(6, 7, 12, "n", regions(0)),
                new SyncMessage.UntrackPeer(7, 7, 12, "node-c"),
                new SyncMessage.GrowVolume(8, 7, 12, 16L << 40),
                new SyncMessage.SnapshotVolume(9, 7, 12, "0b6c3f7e-2c1d-4f0a-9a5e-1d2c3b4a5f60"),
                new SyncMessage.RevertVolume(10, 7, 12, "0b6c3f7e-2c1d-4f0a-9a5e-1d2c3b4a5f60"),
                new SyncMessage.SettleRegions(Long.MAX_VALUE, 7, Long.MAX_VALUE, regions(13, 12)));
    }

    @Test
    void everyKindRoundTrips() {
        for (SyncMessage message : everyKind()) {
            ByteBuffer frame = SyncFrameCodec.encode(message);
            assertThat(frame.remaining()).isEqualTo(SyncFrameCodec.frameBytes(message));
            assertThat(SyncFrameCodec.isSyncType(SyncFrameCodec.typeCode(frame))).isTrue();
            assertThat(SyncFrameCodec.decode(frame)).as("%s", message).isEqualTo(new DecodeResult.Ok<>(message));
            assertThat(frame.hasRemaining()).isFalse();
        }
    }

    @Test
    void everyKindRoundTripsThroughHeaderThenBody() {
        for (SyncMessage message : everyKind()) {
            ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_BYTES);
            SyncFrameCodec.encodeHeader(message, header);
            header.flip();
            SyncFrameHeader decoded = ((DecodeResult.Ok<SyncFrameHeader>) SyncFrameCodec.decodeHeader(header)).value();
            assertThat(decoded.type()).isEqualTo(message.type());
            assertThat(SyncFrameCodec.decodeBody(decoded, SyncFrameCodec.payload(message))).isEqualTo(new DecodeResult.Ok<>(message));
        }
    }

    @Test
    void everyPrefixIsIncompleteAndConsumesNothing() {
        for (SyncMessage message : everyKind()) {
            ByteBuffer frame = SyncFrameCodec.encode(message);
            for (int length = 0; length < frame.remaining(); length++) {
                ByteBuffer prefix = frame.slice(0, length);
                int expected = length < FrameCodec.HEADER_BYTES ? FrameCodec.HEADER_BYTES : frame.remaining();
                assertThat(SyncFrameCodec.decode(prefix)).isEqualTo(new DecodeResult.Incomplete<>(expected));
                assertThat(prefix.position()).isZero();
            }
        }
    }

    @Test
    void theTwoFamiliesRefuseEachOthersTypes() {
        ByteBuffer sync = SyncFrameCodec.encode(everyKind().getFirst());
        assertThat(FrameCodec.decode(sync)).isInstanceOfSatisfying(DecodeResult.Malformed.class,
                malformed -> assertThat(malformed.error().kind()).isEqualTo(UNKNOWN_TYPE));
        ByteBuffer read = Frames.encode(new Message.Read(1, 1, 1, 0, 4096));
        assertThat(SyncFrameCodec.isSyncType(SyncFrameCodec.typeCode(read))).isFalse();
        assertThat(SyncFrameCodec.decode(read)).isInstanceOfSatisfying(DecodeResult.Malformed.class,
                malformed -> assertThat(malformed.error().kind()).isEqualTo(UNKNOWN_TYPE));
        assertThat(SyncMessageType.of(0x40)).as("0x40 stays unassigned").isNull();
    }

    @Test
    void malformedFramesGiveTypedErrors() {
        SyncMessage track = everyKind().get(4);
        assertThat(kindOf(withShort(track, FrameCodec.FLAGS_AT, SyncMessage.FLAG_CREATE))).as("CREATE outside OPEN_FENCED").isEqualTo(BAD_FLAGS);
        assertThat(kindOf(withInt(track, FrameCodec.HANDLE_AT, 0))).as("missing handle").isEqualTo(BAD_FIELD);
        assertThat(kindOf(withInt(everyKind().getFirst(), FrameCodec.HANDLE_AT, 9))).as("handle in open").isEqualTo(BAD_FIELD);
        assertThat(kindOf(withShort(track, FrameCodec.STATUS_AT, 1))).as("status in a request").isEqualTo(BAD_FIELD);
        assertThat(kindOf(withLong(track, FrameCodec.OFFSET_AT, 4096))).as("a range").isEqualTo(BAD_FIELD);
        assertThat(kindOf(withLong(track, FrameCodec.EPOCH_AT, -1))).as("negative epoch").isEqualTo(BAD_FIELD);
        assertThat(kindOf(withShort(track, FrameCodec.VERSION_AT, 2))).isEqualTo(UNSUPPORTED_VERSION);
        assertThat(kindOf(withShort(track, FrameCodec.TYPE_AT, 0x7f))).isEqualTo(UNKNOWN_TYPE);
        ByteBuffer corrupt = SyncFrameCodec.encode(track);
        corrupt.put(FrameCodec.HEADER_BYTES + 3, (byte) (corrupt.get(FrameCodec.HEADER_BYTES + 3) ^ 1));
        assertThat(kindOf(corrupt)).isEqualTo(PAYLOAD_CHECKSUM);
        assertThat(kindOf(withPayload(track, ByteBuffer.allocate(0)))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer bits = ByteBuffer.allocate(6).putInt(9).put((byte) 0).put((byte) 2).flip(); // region 9 of 9
        assertThat(kindOf(withPayload(everyKind().getLast(), bits))).as("a region past the count").isEqualTo(BAD_PAYLOAD);
        ByteBuffer huge = ByteBuffer.allocate(4).putInt(RegionBits.MAX_REGIONS + 1).flip();
        assertThat(kindOf(withPayload(everyKind().getLast(), huge))).isEqualTo(BAD_PAYLOAD);
        ByteBuffer log = ByteBuffer.allocate(1).put((byte) 9).flip();
        assertThat(kindOf(withPayload(everyKind().get(2), log))).as("unknown log").isEqualTo(BAD_PAYLOAD);
        SyncMessage grow = everyKind().get(everyKind().size() - 4);
        SyncMessage snapshot = everyKind().get(everyKind().size() - 3);
        assertThat(kindOf(withPayload(everyKind().get(everyKind().size() - 2), ByteBuffer.allocate(0)))).as("revert: no snapshot id")
                .isEqualTo(BAD_PAYLOAD);
        assertThat(kindOf(withPayload(snapshot, ByteBuffer.allocate(0)))).as("no snapshot id").isEqualTo(BAD_PAYLOAD);
        assertThat(kindOf(withPayload(grow, ByteBuffer.allocate(4)))).as("a short size").isEqualTo(BAD_PAYLOAD);
        assertThat(kindOf(withPayload(grow, ByteBuffer.allocate(8)))).as("size 0").isEqualTo(BAD_PAYLOAD);
        assertThat(kindOf(withPayload(grow, ByteBuffer.allocate(8).putLong(-4096).flip()))).as("a negative size").isEqualTo(BAD_PAYLOAD);
        ByteBuffer bigOpen = withInt(everyKind().getFirst(), FrameCodec.PAYLOAD_LENGTH_AT, FrameCodec.MAX_STRUCTURED_PAYLOAD_BYTES + 1);
        assertThat(kindOf(bigOpen)).isEqualTo(LENGTH_OVER_LIMIT);
    }

    @Test
    void optionalRegionReplyRoundTrips() {
        Optional<RegionBits> some = Optional.of(regions(20, 3, 19));
        assertThat(RegionBits.decodeOptional(RegionBits.encodeOptional(some))).isEqualTo(new DecodeResult.Ok<>(some));
        assertThat(RegionBits.decodeOptional(RegionBits.encodeOptional(Optional.empty())))
                .isEqualTo(new DecodeResult.Ok<>(Optional.<RegionBits>empty()));
        assertThat(RegionBits.decodeOptional(ByteBuffer.wrap(new byte[] {2}))).isInstanceOf(DecodeResult.Malformed.class);
        assertThatThrownBy(() -> regions(3, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyncMessage.GetRegions(1, 1, 1, SyncMessage.RegionLog.DIRTY, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SyncMessage.GetRegions(1, 1, 1, SyncMessage.RegionLog.ACTIVITY, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomMessagesRoundTripAndEveryBitFlipIsCaught() {
        Random random = new Random(SEED);
        for (int round = 0; round < 2000; round++) {
            SyncMessage message = randomMessage(random);
            ByteBuffer frame = SyncFrameCodec.encode(message);
            assertThat(SyncFrameCodec.decode(frame.duplicate())).as("seed %d round %d", SEED, round).isEqualTo(new DecodeResult.Ok<>(message));
            int bit = random.nextInt(frame.remaining() * 8);
            frame.put(bit / 8, (byte) (frame.get(bit / 8) ^ (1 << (bit % 8))));
            DecodeResult<SyncMessage> flipped;
            try {
                flipped = SyncFrameCodec.decode(frame);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + SEED + " round " + round + ": decode threw", e);
            }
            assertThat(flipped).as("seed %d round %d bit %d", SEED, round, bit).isNotInstanceOf(DecodeResult.Ok.class);
        }
    }

    private static SyncMessage randomMessage(Random random) {
        long id = random.nextLong();
        int handle = random.nextInt() | 1;
        long epoch = random.nextLong() & Long.MAX_VALUE;
        int count = random.nextInt(3000);
        BitSet bits = new BitSet();
        for (int i = 0; i < count; i++) {
            if (random.nextInt(7) == 0) {
                bits.set(i);
            }
        }
        RegionBits set = new RegionBits(count, bits);
        return switch (random.nextInt(8)) {
            case 0 -> new SyncMessage.OpenFenced(id, "v" + random.nextInt(1000), epoch, random.nextLong() & Long.MAX_VALUE, random.nextBoolean());
            case 1 -> random.nextBoolean() ? new SyncMessage.GetRegions(id, handle, epoch, SyncMessage.RegionLog.ACTIVITY, null)
                    : new SyncMessage.GetRegions(id, handle, epoch, SyncMessage.RegionLog.DIRTY, "node-" + random.nextInt(99));
            case 2 -> new SyncMessage.TrackPeer(id, handle, epoch, "node-" + random.nextInt(99), set);
            case 3 -> new SyncMessage.UntrackPeer(id, handle, epoch, "node-" + random.nextInt(99));
            case 4 -> new SyncMessage.GrowVolume(id, handle, epoch, 1 + (random.nextLong() & (Long.MAX_VALUE - 1)));
            case 5 -> new SyncMessage.SnapshotVolume(id, handle, epoch, "snap-" + random.nextInt(99));
            case 6 -> new SyncMessage.RevertVolume(id, handle, epoch, "snap-" + random.nextInt(99));
            default -> new SyncMessage.SettleRegions(id, handle, epoch, set);
        };
    }

    private static DecodeError.Kind kindOf(ByteBuffer frame) {
        DecodeResult<SyncMessage> result = SyncFrameCodec.decode(frame);
        assertThat(frame.position()).as("nothing consumed").isZero();
        assertThat(result).isInstanceOf(DecodeResult.Malformed.class);
        return ((DecodeResult.Malformed<SyncMessage>) result).error().kind();
    }

    private static ByteBuffer withShort(SyncMessage message, int at, int value) {
        ByteBuffer frame = SyncFrameCodec.encode(message);
        frame.putShort(at, (short) value);
        return Frames.resealHeader(frame);
    }

    private static ByteBuffer withInt(SyncMessage message, int at, int value) {
        ByteBuffer frame = SyncFrameCodec.encode(message);
        frame.putInt(at, value);
        return Frames.resealHeader(frame);
    }

    private static ByteBuffer withLong(SyncMessage message, int at, long value) {
        ByteBuffer frame = SyncFrameCodec.encode(message);
        frame.putLong(at, value);
        return Frames.resealHeader(frame);
    }

    private static ByteBuffer withPayload(SyncMessage message, ByteBuffer payload) {
        ByteBuffer original = SyncFrameCodec.encode(message);
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.HEADER_BYTES + payload.remaining());
        frame.put(original.slice(0, FrameCodec.HEADER_BYTES)).put(payload.duplicate()).flip();
        frame.putInt(FrameCodec.PAYLOAD_LENGTH_AT, payload.remaining());
        frame.putInt(FrameCodec.PAYLOAD_CHECKSUM_AT, FrameCodec.checksum(payload));
        return Frames.resealHeader(frame);
    }
}
