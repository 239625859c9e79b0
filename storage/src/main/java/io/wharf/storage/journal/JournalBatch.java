package io.wharf.storage.journal;

import java.util.Arrays;

/**
 * The block state changes of one journal record, as parallel arrays so that a flush allocates
 * nothing once warmed up. A block appears at most once per batch. Not thread-safe.
 */
public final class JournalBatch {
    private long[] blocks = new long[64];
    private byte[] states = new byte[64];
    private int[] dataCrcs = new int[64];
    private int size;

    public void add(long block, int state, int dataCrc) {
        assert BlockState.valid(state) : state;
        if (size == blocks.length) {
            int capacity = size * 2;
            blocks = Arrays.copyOf(blocks, capacity);
            states = Arrays.copyOf(states, capacity);
            dataCrcs = Arrays.copyOf(dataCrcs, capacity);
        }
        blocks[size] = block;
        states[size] = (byte) state;
        dataCrcs[size] = dataCrc;
        size++;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public long block(int i) {
        return blocks[i];
    }

    public int state(int i) {
        return states[i];
    }

    /** CRC32C of the block's 4 KiB at the time of the flush; meaningful for DATA only. */
    public int dataCrc(int i) {
        return dataCrcs[i];
    }

    public void clear() {
        size = 0;
    }
}
