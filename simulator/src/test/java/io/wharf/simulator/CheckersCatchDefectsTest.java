package io.wharf.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.wharf.replication.sync.target.Defects;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.simulator.check.History;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The checkers are not vacuous: with a known bug switched on in every target (test-only, through
 * {@link Defects}), the fixed seeds find it. Each test stops at the first seed that fails.
 */
class CheckersCatchDefectsTest {

    @Test
    void acknowledgingBeforeMarkingOutOfSyncLosesFlushedWrites() {
        SimulationResult caught = firstFailure(Defects.ackBeforeMark());
        assertThat(checkers(caught)).containsAnyOf("durability", "convergence");
    }

    @Test
    void aTargetThatIgnoresFencingIsCaughtAcknowledging() {
        SimulationResult caught = firstFailure(Defects.ignoreFencing());
        assertThat(checkers(caught)).as(caught.report()).isNotEmpty();
    }

    @Test
    void aResyncThatSkipsTheDirtyMapLeavesReplicasApart() {
        SimulationResult caught = firstFailure(Defects.resyncSkipsDirtyMap());
        assertThat(checkers(caught)).containsAnyOf("durability", "convergence");
    }

    @Test
    void aRevertThatLeavesTheOtherHoldersUnrevertedIsCaught() {
        SimulationResult caught = firstFailure(Defects.revertOnlyPrimary());
        assertThat(checkers(caught)).as(caught.report()).containsAnyOf("durability", "convergence");
    }

    /** The fencing checker itself fires: some fixed seed shows a fenced target acknowledging. */
    @Test
    void fencingCheckerFiresForAFencedTargetThatAcknowledges() {
        for (long seed : Seeds.fixed()) {
            SimulationResult result = Simulation.run(SimulationConfig.forSeed(seed).withOnAttach(Defects.ignoreFencing()));
            if (checkers(result).contains("fencing")) {
                return;
            }
        }
        fail("no fixed seed caught a target that ignores fencing with the fencing checker");
    }

    private static SimulationResult firstFailure(Consumer<ReplicatedVolume> defect) {
        for (long seed : Seeds.fixed()) {
            SimulationResult result = Simulation.run(SimulationConfig.forSeed(seed).withOnAttach(defect));
            if (!result.passed()) {
                return result;
            }
        }
        return fail("the defect went unnoticed by every fixed seed");
    }

    private static Set<String> checkers(SimulationResult result) {
        return result.violations().stream().map(History.Violation::checker).collect(Collectors.toSet());
    }
}
