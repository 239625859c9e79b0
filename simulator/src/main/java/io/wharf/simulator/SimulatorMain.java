package io.wharf.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs simulations from the command line ({@code ./simulator/run-seeds}):
 * <pre>
 * run-seeds N                 N random seeds; prints every failing seed and how to replay it
 * run-seeds --seeds 1,2,3     these seeds
 * run-seeds --replay SEED     one seed, its report in full (add --trace for every trace line)
 * options: --jobs J (seeds in parallel, default 1), --fault-ms MS (length of the fault phase)
 * </pre>
 * Exit status: 0 when every seed passed, 1 when one failed, 2 on bad arguments.
 */
public final class SimulatorMain {
    private SimulatorMain() {}

    public static void main(String[] args) throws Exception {
        List<Long> seeds = new ArrayList<>();
        boolean trace = false;
        boolean replay = false;
        int jobs = 1;
        long faultMs = -1;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seeds" -> {
                        for (String seed : args[++i].split(",")) {
                            seeds.add(Long.parseLong(seed.trim()));
                        }
                    }
                    case "--replay" -> {
                        replay = true;
                        seeds.add(Long.parseLong(args[++i]));
                    }
                    case "--trace" -> trace = true;
                    case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                    case "--fault-ms" -> faultMs = Long.parseLong(args[++i]);
                    default -> {
                        int count = Integer.parseInt(args[i]);
                        SplittableRandom source = new SplittableRandom();
                        for (int n = 0; n < count; n++) {
                            seeds.add(source.nextLong() & Long.MAX_VALUE);
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            System.err.println("usage: run-seeds N | --seeds S1,S2 | --replay SEED [--trace] [--jobs J] [--fault-ms MS]");
            System.exit(2);
        }
        if (seeds.isEmpty()) {
            System.err.println("no seeds given");
            System.exit(2);
        }
        boolean echo = trace;
        long faultNanos = faultMs;
        List<Long> failed = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs))) {
            List<Future<SimulationResult>> results = new ArrayList<>();
            for (long seed : seeds) {
                results.add(pool.submit(() -> {
                    SimulationConfig config = SimulationConfig.forSeed(seed);
                    if (faultNanos > 0) {
                        config = config.withFaultPhase(faultNanos * SimulationConfig.MS);
                    }
                    return Simulation.run(echo ? config.withTraceEcho(System.out) : config);
                }));
            }
            for (Future<SimulationResult> future : results) {
                SimulationResult result = future.get();
                if (replay || !result.passed()) {
                    System.out.println(result.report());
                } else {
                    System.out.println("seed " + result.seed() + " passed (" + result.summary() + String.format(", %.1f s)",
                            result.wallNanos() / 1e9));
                }
                if (!result.passed()) {
                    failed.add(result.seed());
                }
            }
        }
        System.out.println(seeds.size() - failed.size() + " of " + seeds.size() + " seeds passed"
                + (failed.isEmpty() ? "" : "; failing seeds: " + failed + " (replay: ./simulator/run-seeds --replay SEED --trace)"));
        System.exit(failed.isEmpty() ? 0 : 1);
    }
}
