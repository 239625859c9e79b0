package io.wharf.api;

/**
 * A node's storage pool.
 *
 * @param capacityBytes    usable bytes of the pool (filesystem size less the reserve, or as configured)
 * @param usedBytes        bytes taken by volume data
 * @param provisionedBytes sum of the sizes of the volumes in the pool (thin: may exceed capacity)
 * @param overcommitRatio  provisioned may reach capacity times this ratio
 */
public record PoolInfo(
        String node,
        String path,
        long capacityBytes,
        long usedBytes,
        long provisionedBytes,
        double overcommitRatio,
        int volumes) {}
