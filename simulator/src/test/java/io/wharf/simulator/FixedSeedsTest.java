package io.wharf.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fixed list of seeds: each run is the production replication code and storage engine under
 * its seed's faults, judged by every checker. A failure prints the seed, the violations, the last
 * trace lines and the command that replays it.
 */
class FixedSeedsTest {
    static LongStream seeds() {
        return Arrays.stream(Seeds.fixed());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void seedPassesEveryChecker(long seed) {
        SimulationResult result = Simulation.run(SimulationConfig.forSeed(seed));
        assertThat(result.violations()).as(result.report()).isEmpty();
    }
}
