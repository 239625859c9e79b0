package io.wharf.simulator.check;

import java.nio.ByteBuffer;

/**
 * The content the workload writes: every 4 KiB block written by write {@code id} to block
 * {@code block} is a pattern derived from both, so a read tells which write it sees, and a block that
 * is a mix of two writes (torn) or belongs elsewhere is recognized as such. Write id 0 stands for
 * zeros (never written, or trimmed).
 */
public final class BlockPattern {
    public static final int BLOCK = 4096;
    /** A block that is neither zeros nor any write's pattern for it. */
    public static final long CORRUPT = -1;

    private BlockPattern() {}

    public static void fill(ByteBuffer dst, long writeId, long block) {
        for (int i = 0; i < BLOCK / 8; i++) {
            dst.putLong(word(writeId, block, i));
        }
    }

    /** The write whose pattern {@code data} (one block, at its position) holds: 0 for zeros, {@link #CORRUPT} otherwise. */
    public static long identify(ByteBuffer data, long block) {
        int at = data.position();
        long first = data.getLong(at);
        if (first == 0) {
            for (int i = 0; i < BLOCK; i += 8) {
                if (data.getLong(at + i) != 0) {
                    return CORRUPT;
                }
            }
            return 0;
        }
        for (int i = 0; i < BLOCK / 8; i++) {
            if (data.getLong(at + i * 8) != word(first, block, i)) {
                return CORRUPT;
            }
        }
        return first;
    }

    private static long word(long writeId, long block, int index) {
        if (index == 0) {
            return writeId;
        }
        long x = writeId * 0x9E3779B97F4A7C15L + block * 0xC2B2AE3D27D4EB4FL + index;
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        return x ^ (x >>> 29) | 1; // never 0, so a written block never reads as zeros
    }
}
