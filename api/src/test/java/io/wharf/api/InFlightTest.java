package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InFlightTest {
    @Test
    void closeWaitsForRequestsInProgressAndRefusesNewOnes() {
        InFlight inFlight = new InFlight();
        assertThat(inFlight.enter()).isTrue();
        assertThat(inFlight.closeAndAwaitIdle(Duration.ZERO)).isFalse();
        assertThat(inFlight.enter()).as("closing refuses new requests").isFalse();
        inFlight.exit();
        assertThat(inFlight.closeAndAwaitIdle(Duration.ZERO)).isTrue();
    }

    @Test
    void closeReturnsWhenTheLastRequestEnds() throws Exception {
        InFlight inFlight = new InFlight();
        assertThat(inFlight.enter()).isTrue();
        Thread finisher = Thread.ofVirtual().unstarted(inFlight::exit);
        AtomicBoolean idle = new AtomicBoolean();
        Thread closer = Thread.ofVirtual().start(() -> {
            finisher.start();
            idle.set(inFlight.closeAndAwaitIdle(Duration.ofSeconds(30)));
        });
        closer.join(Duration.ofSeconds(30));
        assertThat(closer.isAlive()).isFalse();
        assertThat(idle).isTrue();
    }
}
