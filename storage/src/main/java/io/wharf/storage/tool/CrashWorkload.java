package io.wharf.storage.tool;

import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic write workload for crash tests: step {@code sequence} of seed {@code seed} is
 * always the same list of operations, and the operations of one step touch distinct 4 KiB blocks.
 * So after a crash in which the last completed flush was step S, every block must read either its
 * content after step S or (only if step S+1 touches it) its content after step S+1.
 *
 * <p>Operations mix whole-block writes (1-8 blocks), sub-block writes, writes straddling a block
 * boundary, whole-block trims and partial trims.
 */
public final class CrashWorkload {
    public static final int BLOCK_BYTES = 4096;
    private static final int MAX_OPS_PER_STEP = 12;

    private final long seed;
    private final int blocks;

    public CrashWorkload(long seed, long volumeBytes) {
        if (volumeBytes % BLOCK_BYTES != 0 || volumeBytes < 64L * BLOCK_BYTES || volumeBytes / BLOCK_BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("volume size " + volumeBytes + " must be a multiple of 4 KiB, at least 256 KiB");
        }
        this.seed = seed;
        this.blocks = (int) (volumeBytes / BLOCK_BYTES);
    }

    /** One operation of a step. */
    public sealed interface Op permits Write, Trim {
        long offset();

        long length();
    }

    public record Write(long offset, byte[] data) implements Op {
        @Override
        public long length() {
            return data.length;
        }

        @Override
        public String toString() {
            return "Write[" + offset + ", +" + data.length + "]";
        }
    }

    public record Trim(long offset, long length) implements Op {}

    /** The operations of step {@code sequence}; a pure function of (seed, sequence). */
    public List<Op> step(long sequence) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + sequence);
        int count = 1 + random.nextInt(MAX_OPS_PER_STEP);
        Set<Integer> used = new HashSet<>();
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Op op = nextOp(random, used);
            if (op != null) {
                ops.add(op);
            }
        }
        return ops;
    }

    private Op nextOp(SplittableRandom random, Set<Integer> used) {
        int kind = random.nextInt(100);
        int span = kind < 55 ? 1 + random.nextInt(8) : kind < 70 ? 2 : kind < 85 ? 1 + random.nextInt(3) : 1;
        for (int attempt = 0; attempt < 8; attempt++) {
            int first = random.nextInt(blocks - span + 1);
            if (!free(used, first, span)) {
                continue;
            }
            for (int b = first; b < first + span; b++) {
                used.add(b);
            }
            long base = (long) first * BLOCK_BYTES;
            if (kind < 55) {
                return new Write(base, bytes(random, span * BLOCK_BYTES));
            } else if (kind < 70) {
                int start = 1 + random.nextInt(BLOCK_BYTES - 1);
                int length = 1 + random.nextInt(2 * BLOCK_BYTES - start);
                return new Write(base + start, bytes(random, length));
            } else if (kind < 85) {
                return new Trim(base, (long) span * BLOCK_BYTES);
            } else if (kind < 95) {
                int start = random.nextInt(BLOCK_BYTES);
                return new Write(base + start, bytes(random, 1 + random.nextInt(BLOCK_BYTES - start)));
            } else {
                int start = random.nextInt(BLOCK_BYTES);
                return new Trim(base + start, 1 + random.nextInt(BLOCK_BYTES - start));
            }
        }
        return null;
    }

    private static boolean free(Set<Integer> used, int first, int span) {
        for (int b = first; b < first + span; b++) {
            if (used.contains(b)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(SplittableRandom random, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i += 8) {
            long value = random.nextLong();
            for (int j = 0; j < 8 && i + j < length; j++) {
                data[i + j] = (byte) (value >>> (8 * j));
            }
        }
        return data;
    }

    /** Applies {@code op} to a volume. */
    public static void run(Volume volume, Op op) throws IOException {
        switch (op) {
            case Write write -> volume.write(write.offset(), ByteBuffer.wrap(write.data()));
            case Trim trim -> volume.trim(trim.offset(), trim.length());
        }
    }

    /** Applies {@code op} to an in-memory image of the volume. */
    public static void apply(Op op, byte[] image) {
        switch (op) {
            case Write write -> System.arraycopy(write.data(), 0, image, (int) write.offset(), write.data().length);
            case Trim trim -> Arrays.fill(image, (int) trim.offset(), (int) (trim.offset() + trim.length()), (byte) 0);
        }
    }

    /** Blocks touched by {@code ops}. */
    public static Set<Integer> touchedBlocks(List<Op> ops) {
        Set<Integer> touched = new HashSet<>();
        for (Op op : ops) {
            for (long b = op.offset() / BLOCK_BYTES; b <= (op.offset() + op.length() - 1) / BLOCK_BYTES; b++) {
                touched.add((int) b);
            }
        }
        return touched;
    }

    /**
     * Checks a recovered volume: each block equals {@code flushedImage}, or, if {@code inFlight}
     * touches it, the image after {@code inFlight}. Returns what the volume holds (the image the
     * next round continues from).
     *
     * @throws IllegalStateException naming the first block that is neither
     */
    public static byte[] verify(Volume volume, byte[] flushedImage, List<Op> inFlight) throws IOException {
        byte[] after = flushedImage.clone();
        for (Op op : inFlight) {
            apply(op, after);
        }
        Set<Integer> touched = touchedBlocks(inFlight);
        byte[] actual = new byte[flushedImage.length];
        ByteBuffer all = ByteBuffer.wrap(actual);
        volume.read(0, all);
        int blocks = flushedImage.length / BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            int from = b * BLOCK_BYTES;
            int to = from + BLOCK_BYTES;
            boolean old = Arrays.equals(actual, from, to, flushedImage, from, to);
            boolean fresh = touched.contains(b) && Arrays.equals(actual, from, to, after, from, to);
            if (!old && !fresh) {
                throw new IllegalStateException("block " + b + " holds neither its flushed content nor its in-flight content"
                        + (touched.contains(b) ? " (touched by the in-flight step)" : " (not touched by the in-flight step)")
                        + describe(actual, flushedImage, after, from));
            }
        }
        return actual;
    }

    private static String describe(byte[] actual, byte[] old, byte[] fresh, int from) {
        int firstDiffOld = -1;
        int firstDiffNew = -1;
        for (int i = 0; i < BLOCK_BYTES; i++) {
            if (firstDiffOld < 0 && actual[from + i] != old[from + i]) {
                firstDiffOld = i;
            }
            if (firstDiffNew < 0 && actual[from + i] != fresh[from + i]) {
                firstDiffNew = i;
            }
        }
        return "; first byte differing from old at " + firstDiffOld + ", from new at " + firstDiffNew
                + "; actual all zero: " + Arrays.equals(actual, from, from + BLOCK_BYTES, new byte[BLOCK_BYTES], 0, BLOCK_BYTES);
    }
}
