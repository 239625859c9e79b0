package io.wharf.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BandwidthTest {
    private static final long SECOND = 1_000_000_000L;

    private static final Clock ZERO = new Clock() {
        @Override
        public long nanoTime() {
            return 0;
        }

        @Override
        public Instant now() {
            return Instant.EPOCH;
        }
    };

    @Test
    void burstsOneSecondThenPacesAtTheRate() {
        Bandwidth bucket = new Bandwidth(1000, ZERO);
        assertThat(bucket.reserve(1000, 0)).isZero();                 // the first second's worth is there
        assertThat(bucket.reserve(500, 0)).isEqualTo(SECOND / 2);     // then 500 bytes wait half a second
        assertThat(bucket.reserve(500, 0)).isEqualTo(SECOND);         // and the next queue behind them
        assertThat(bucket.reserve(0, 2 * SECOND)).isZero();           // two seconds later the debt is paid
        assertThat(bucket.reserve(2000, 10 * SECOND)).isEqualTo(SECOND); // idle time refills one second only
    }

    @Test
    void longRunRateNeverExceedsTheLimit() {
        Bandwidth bucket = new Bandwidth(1 << 20, ZERO);
        long now = 0;
        long sent = 0;
        for (int i = 0; i < 1000; i++) {
            now += bucket.reserve(64 * 1024, now); // each caller sends when told
            sent += 64 * 1024;
        }
        // 1000 x 64 KiB = 62.5 MiB at 1 MiB/s with a 1 MiB burst: at least 61.5 s
        assertThat(now).isGreaterThanOrEqualTo((sent - (1 << 20)) * SECOND / (1 << 20));
        assertThat(new Bandwidth(0, ZERO).reserve(Long.MAX_VALUE / 2, 0)).isZero();
    }
}
