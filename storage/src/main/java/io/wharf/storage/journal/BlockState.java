package io.wharf.storage.journal;

/**
 * What one layer holds for one block, as stored in journal entries and checkpoints (2 bits).
 * {@code ABSENT}: nothing, read through to the layer below. {@code DATA}: the layer file holds the
 * block's bytes at its direct-mapped offset. {@code ZERO}: reads zeros even if a lower layer has
 * data (TRIM above a snapshot).
 */
public final class BlockState {
    public static final int ABSENT = 0;
    public static final int DATA = 1;
    public static final int ZERO = 2;

    private BlockState() {}

    public static boolean valid(int state) {
        return state == ABSENT || state == DATA || state == ZERO;
    }

    public static String name(int state) {
        return switch (state) {
            case ABSENT -> "ABSENT";
            case DATA -> "DATA";
            case ZERO -> "ZERO";
            default -> "INVALID(" + state + ")";
        };
    }
}
