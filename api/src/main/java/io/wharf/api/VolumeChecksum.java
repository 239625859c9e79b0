package io.wharf.api;

import java.util.List;

/**
 * Digests of a volume's copies, read where each copy lives (SHA-256 of the whole volume, holes as
 * zeros), so that users and tests can see replicas converge. Taken while writes run, digests may
 * differ for a moment; equal digests of every replica in sync mean the copies are equal.
 *
 * @param match    whether every replica in sync answered with the same digest
 * @param replicas one entry per replica (one for an unreplicated volume)
 */
public record VolumeChecksum(String volume, boolean match, List<Replica> replicas) {
    public VolumeChecksum {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }

    /**
     * One copy's digest.
     *
     * @param state  the replica's state in the record ({@code in-sync} for an unreplicated volume)
     * @param digest hex SHA-256, or null when the node could not be asked
     * @param error  why there is no digest, else null
     */
    public record Replica(String node, String state, String digest, String error) {}
}
