package io.wharf.replication.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random messages round-trip; random corruption and random bytes never throw. Seeded: a failure
 * names the seed that reproduces it ({@code -Dwire.seed=...}).
 */
class RandomizedFrameTest {
    private static final long SEED = Long.getLong("wire.seed", System.nanoTime());
    private static final int ROUNDS = 3000;

    @Test
    void randomMessagesRoundTrip() {
        Random random = new Random(SEED);
        for (int round = 0; round < ROUNDS; round++) {
            Message message = randomMessage(random);
            ByteBuffer frame = random.nextBoolean() ? ByteBuffer.allocate(FrameCodec.frameBytes(message) + 3)
                    : ByteBuffer.allocateDirect(FrameCodec.frameBytes(message) + 3);
            frame.position(3);
            FrameCodec.encode(message, frame);
            frame.flip().position(3);
            assertThat(FrameCodec.decode(frame)).as("seed %d round %d: %s", SEED, round, message)
                    .isEqualTo(new DecodeResult.Ok<>(message));
        }
    }

    @Test
    void everySingleBitFlipIsDetectedAndNothingThrows() {
        Random random = new Random(SEED);
        for (int round = 0; round < ROUNDS; round++) {
            Message message = randomMessage(random);
            ByteBuffer frame = Frames.encode(message);
            int bit = random.nextInt(frame.remaining() * 8);
            frame.put(bit / 8, (byte) (frame.get(bit / 8) ^ (1 << (bit % 8))));
            DecodeResult<Message> result = decodeSafely(frame, "seed " + SEED + " round " + round);
            assertThat(result).as("seed %d round %d: bit %d of %s", SEED, round, bit, message)
                    .isNotInstanceOf(DecodeResult.Ok.class);
        }
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(SEED);
        for (int round = 0; round < ROUNDS; round++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            if (bytes.length >= 4 && random.nextBoolean()) {
                ByteBuffer.wrap(bytes).putInt(0, FrameCodec.MAGIC);
            }
            ByteBuffer frame = ByteBuffer.wrap(bytes);
            if (bytes.length >= FrameCodec.HEADER_BYTES && random.nextBoolean()) {
                Frames.resealHeader(frame); // reach the field checks
            }
            decodeSafely(frame, "seed " + SEED + " round " + round);
        }
    }

    private static DecodeResult<Message> decodeSafely(ByteBuffer frame, String what) {
        try {
            return FrameCodec.decode(frame);
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": decode threw", e);
        }
    }

    static Message randomMessage(Random random) {
        long id = random.nextLong();
        int handle = random.nextInt() | 1;
        long epoch = random.nextLong() & Long.MAX_VALUE;
        long offset = random.nextBoolean() ? (random.nextLong() & 0xff_ffff_ffffL) : random.nextInt(1 << 20);
        return switch (random.nextInt(12)) {
            case 0 -> new Message.Hello(id, 1 + random.nextInt(0xffff), name(random), name(random));
            case 1 -> new Message.HelloOk(id, 1 + random.nextInt(0xffff), name(random), name(random));
            case 2 -> new Message.Open(id, name(random), epoch);
            case 3 -> new Message.Opened(id, handle, epoch, random.nextLong() & Long.MAX_VALUE, 1 + random.nextInt(1 << 20));
            case 4 -> new Message.Close(id, handle, epoch);
            case 5 -> new Message.Read(id, handle, epoch, offset, random.nextInt(FrameCodec.MAX_PAYLOAD_BYTES + 1));
            case 6 -> new Message.Write(id, handle, epoch, offset, data(random, random.nextInt(9000)), random.nextBoolean());
            case 7 -> new Message.Flush(id, handle, epoch);
            case 8 -> new Message.Trim(id, handle, epoch, offset, random.nextLong() & FrameCodec.MAX_RANGE_BYTES, random.nextBoolean());
            case 9 -> new Message.WriteZeroes(id, handle, epoch, offset, random.nextLong() & FrameCodec.MAX_RANGE_BYTES,
                    random.nextBoolean(), random.nextBoolean());
            case 10 -> new Message.Extents(id, handle, epoch, offset, random.nextLong() & FrameCodec.MAX_RANGE_BYTES);
            default -> randomReply(random, id);
        };
    }

    private static Message randomReply(Random random, long id) {
        return switch (random.nextInt(4)) {
            case 0 -> Message.Reply.ok(id);
            case 1 -> Message.Reply.data(id, data(random, random.nextInt(20_000)));
            case 2 -> {
                List<ExtentRun> runs = new ArrayList<>();
                for (int i = random.nextInt(50); i > 0; i--) {
                    runs.add(new ExtentRun(1 + (random.nextLong() & 0xffff_ffffffL), random.nextBoolean()));
                }
                yield Message.Reply.extents(id, runs);
            }
            default -> {
                ErrorCode code = ErrorCode.values()[random.nextInt(ErrorCode.values().length)];
                yield Message.Reply.error(id, Status.of(code) == Status.OK ? Status.REFUSED : Status.of(code), code, name(random));
            }
        };
    }

    private static String name(Random random) {
        int length = 1 + random.nextInt(random.nextBoolean() ? 20 : 120);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(random.nextInt(10) == 0 ? 'é' : (char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static ByteBuffer data(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }
}
