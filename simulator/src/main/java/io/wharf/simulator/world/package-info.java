/**
 * The simulated world: {@link io.wharf.simulator.world.EventLoop} (one thread, simulated time,
 * ordered by time then insertion), {@link io.wharf.simulator.world.Network} (connections carrying
 * encoded frames with seeded delay, loss, duplication and partitions; a connection dies with either
 * process), {@link io.wharf.simulator.world.StoreServer} (the cluster store: linearizable; what fails
 * is reaching it), {@link io.wharf.simulator.world.SimNode} (a machine: pool, replicas, target;
 * crash and restart).
 *
 * <p>Invariants: a task of a process runs only while that incarnation lives; nothing reads a real
 * clock or an unseeded random source; iteration orders that reach the trace are deterministic.
 */
package io.wharf.simulator.world;
