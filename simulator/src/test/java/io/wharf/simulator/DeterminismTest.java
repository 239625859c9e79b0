package io.wharf.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Same seed, same run: the trace of two runs hashes the same, event for event. */
class DeterminismTest {
    @Test
    void sameSeedGivesTheSameTrace() {
        SimulationResult first = Simulation.run(SimulationConfig.forSeed(7));
        SimulationResult second = Simulation.run(SimulationConfig.forSeed(7));
        assertThat(second.traceHash()).as("trace hash").isEqualTo(first.traceHash());
        assertThat(second.traceLines()).isEqualTo(first.traceLines());
        assertThat(second.events()).isEqualTo(first.events());
        assertThat(second.violations()).isEqualTo(first.violations());
        assertThat(first.traceLines()).as("a run that did something").isGreaterThan(10_000);
    }

    @Test
    void anotherSeedGivesAnotherTrace() {
        assertThat(Simulation.run(SimulationConfig.forSeed(8)).traceHash())
                .isNotEqualTo(Simulation.run(SimulationConfig.forSeed(9)).traceHash());
    }
}
