/**
 * What the simulation checks: {@link io.wharf.simulator.check.History} records every request of the
 * client and judges reads (durability, read-your-writes) and acknowledgements (fencing) against it;
 * {@link io.wharf.simulator.check.BlockPattern} makes every written block say which write it came
 * from. Convergence (replicas in sync byte-equal) is checked at the end of a run.
 */
package io.wharf.simulator.check;
