/**
 * The deterministic simulator of synchronous replication: {@link io.wharf.simulator.Simulation} runs
 * one seed (nodes with the real storage engine and the production replication code, a simulated
 * network and cluster store, a client, faults) and judges it with the checkers of
 * {@link io.wharf.simulator.check.History}; {@link io.wharf.simulator.SimulatorMain} runs many seeds
 * ({@code ./simulator/run-seeds}). Everything comes from the seed: the same seed gives the same trace
 * (asserted by comparing trace hashes). See {@code simulator/README.md}.
 */
package io.wharf.simulator;
