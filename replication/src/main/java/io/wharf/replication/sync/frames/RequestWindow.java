package io.wharf.replication.sync.frames;

import java.util.BitSet;

/**
 * Duplicate suppression by request id on one connection. Requesters number their requests upward,
 * so the window keeps a floor (every id below it counts as seen) and a bitmap of the ids seen above
 * it; an id far ahead slides the window. A write delivered twice could otherwise land after a later
 * write to the same block and undo it.
 */
final class RequestWindow {
    static final int SPAN = 1 << 16;
    private long floor = Long.MIN_VALUE;
    private final BitSet seen = new BitSet(SPAN);

    /** True the first time {@code requestId} is offered, false for a duplicate or an id below the window. */
    boolean firstTime(long requestId) {
        if (floor == Long.MIN_VALUE) {
            floor = requestId;
        }
        if (requestId < floor) {
            return false;
        }
        if (requestId - floor >= SPAN) {
            long shift = requestId - floor - SPAN + 1;
            if (shift >= SPAN) {
                seen.clear();
            } else {
                BitSet kept = seen.get((int) shift, SPAN);
                seen.clear();
                seen.or(kept);
            }
            floor += shift;
        }
        int bit = (int) (requestId - floor);
        if (seen.get(bit)) {
            return false;
        }
        seen.set(bit);
        return true;
    }
}
