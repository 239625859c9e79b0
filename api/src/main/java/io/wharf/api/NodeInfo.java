package io.wharf.api;

/**
 * One node of the cluster.
 *
 * @param state {@code online}, {@code offline} or {@code maintenance}
 */
public record NodeInfo(
        String id,
        String state,
        String apiAddress,
        String nbdAddress,
        String version,
        long capacityBytes,
        long usedBytes) {}
