package io.wharf.simulator;

import io.wharf.simulator.check.History;
import java.util.List;

/**
 * How a run ended: the violations the checkers found (none: passed), the trace hash (equal for
 * equal seeds), and figures for the report.
 */
public record SimulationResult(long seed, List<History.Violation> violations, long traceHash, long traceLines, long events,
                               long simulatedNanos, long wallNanos, String summary, List<String> lastTraceLines) {
    public SimulationResult {
        violations = List.copyOf(violations);
        lastTraceLines = List.copyOf(lastTraceLines);
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    /** The command that replays this run with its full trace. */
    public String replayCommand() {
        return "./simulator/run-seeds --replay " + seed + " --trace";
    }

    public String report() {
        StringBuilder text = new StringBuilder();
        text.append("seed ").append(seed).append(passed() ? " passed" : " FAILED").append(": ").append(summary)
                .append(String.format(" (%.2f s simulated, %d events, %.2f s wall, trace %016x)", simulatedNanos / 1e9, events,
                        wallNanos / 1e9, traceHash));
        for (History.Violation violation : violations) {
            text.append("\n  ").append(violation);
        }
        if (!passed()) {
            text.append("\n  last trace lines:");
            for (String line : lastTraceLines.subList(Math.max(0, lastTraceLines.size() - 60), lastTraceLines.size())) {
                text.append("\n    ").append(line);
            }
            text.append("\n  replay: ").append(replayCommand());
        }
        return text.toString();
    }
}
