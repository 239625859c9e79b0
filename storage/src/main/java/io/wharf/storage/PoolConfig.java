package io.wharf.storage;

/**
 * How big a pool is and how far it may be overcommitted.
 *
 * @param capacityBytes   usable bytes; 0 means the size of the filesystem holding the pool
 *                        directory, less {@code reserveBytes}
 * @param reserveBytes    bytes of that filesystem kept free (only used when capacity is 0)
 * @param overcommitRatio provisioned bytes may reach capacity times this (thin provisioning), &gt;= 1
 */
public record PoolConfig(long capacityBytes, long reserveBytes, double overcommitRatio) {
    public PoolConfig {
        if (capacityBytes < 0 || reserveBytes < 0) {
            throw new IllegalArgumentException("capacity and reserve must not be negative");
        }
        if (!(overcommitRatio >= 1.0) || Double.isInfinite(overcommitRatio)) {
            throw new IllegalArgumentException("overcommit ratio " + overcommitRatio + " must be a number >= 1");
        }
    }

    /** The whole filesystem, no reserve, no overcommit. */
    public static PoolConfig defaults() {
        return new PoolConfig(0, 0, 1.0);
    }
}
