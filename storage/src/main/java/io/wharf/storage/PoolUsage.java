package io.wharf.storage;

/**
 * What a pool holds, for the node's provisioning decisions (the pool itself refuses nothing on
 * these grounds).
 *
 * @param capacityBytes    usable bytes (configured, or filesystem size less the reserve)
 * @param usedBytes        bytes of data blocks held by all volumes (journal and metadata not counted)
 * @param provisionedBytes sum of the volumes' sizes; may exceed capacity (thin)
 */
public record PoolUsage(long capacityBytes, long usedBytes, long provisionedBytes) {
    /** Capacity not yet holding data (never negative). */
    public long freeBytes() {
        return Math.max(0, capacityBytes - usedBytes);
    }

    /** Whether provisioning {@code moreBytes} more keeps provisioned within capacity times {@code overcommitRatio}. */
    public boolean canProvision(long moreBytes, double overcommitRatio) {
        return provisionedBytes + (double) moreBytes <= capacityBytes * overcommitRatio;
    }
}
