package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Calls run on the receiving thread only while calls of their kind and size class have been fast. */
class CallPaceTest {
    private static final int READS = 0;
    private static final int WRITES = 1;
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    @Test
    void callsStartOnThreadsOfTheirOwnAndComeInlineOnceFast() {
        CallPace pace = new CallPace(256 * KIB, 32 * KIB);
        assertThat(pace.fast(READS, 4 * KIB)).as("a first small read").isFalse();
        assertThat(pace.fast(READS, MIB)).as("a first large read").isFalse();
        for (int i = 0; i < 20; i++) {
            pace.record(READS, 4 * KIB, 5_000);
        }
        assertThat(pace.fast(READS, 4 * KIB)).as("small reads at 5 µs").isTrue();
        assertThat(pace.fast(READS, MIB)).as("large reads are judged apart").isFalse();
        assertThat(pace.fast(WRITES, 4 * KIB)).as("writes are judged apart").isFalse();
    }

    @Test
    void largeCallsAreJudgedPerMibAgainstThePageCachesSpeed() {
        CallPace pace = new CallPace(256 * KIB, 32 * KIB);
        for (int i = 0; i < 20; i++) {
            pace.record(WRITES, MIB, 250_000); // 4 GiB/s
        }
        assertThat(pace.fast(WRITES, MIB)).as("1 MiB writes at 4 GiB/s").isTrue();
        assertThat(pace.fast(WRITES, 64 * KIB)).as("any large write, by the same speed").isTrue();
        for (int i = 0; i < 20; i++) {
            pace.record(WRITES, 512 * KIB, 1_000_000); // 0.5 GiB/s, a disk's speed
        }
        assertThat(pace.fast(WRITES, MIB)).as("large writes at 0.5 GiB/s").isFalse();
    }

    @Test
    void oneSlowCallSendsTheNextOnesToThreads() {
        CallPace pace = new CallPace(256 * KIB);
        for (int i = 0; i < 20; i++) {
            pace.record(READS, 8 * KIB, 10_000);
        }
        assertThat(pace.fast(READS, 8 * KIB)).isTrue();
        pace.record(READS, 8 * KIB, 20_000_000); // one read of 20 ms from a cold disk
        assertThat(pace.fast(READS, 8 * KIB)).as("after a 20 ms read").isFalse();
    }
}
