package io.wharf.simulator;

import java.util.stream.LongStream;

/** The seeds the test suite runs. A seed that ever failed is added here once its bug is fixed. */
final class Seeds {
    private Seeds() {}

    /** Random seeds that found bugs (kept as regressions), then a fixed range. */
    static final long[] FOUND_BUGS = {
        5264263717175807391L, // two joins shared one pause: a join recorded after its resync aborted
        5020315083537389999L, // remove of a replica in sync while the other failed: marking deadlocked
        1964350099378466942L, // a failed replica removed before its marking round: its writes waited forever
        4L,                   // a flush through a new target was taken to cover an old target's unflushed write
        35L,                  // a replica change asked of a target that died blocked the top-up
    };

    static long[] fixed() {
        return LongStream.concat(LongStream.of(FOUND_BUGS), LongStream.rangeClosed(1, 36)).distinct().toArray();
    }
}
