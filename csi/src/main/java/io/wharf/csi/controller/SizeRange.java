package io.wharf.csi.controller;

import csi.v1.Csi;
import io.wharf.csi.CsiErrors;

/**
 * A CSI capacity range resolved to the size Wharf creates: {@code required} rounded up to 4 KiB
 * (Wharf's block size), 1 GiB when nothing is asked, never above {@code limit} or Wharf's 8 TiB
 * maximum (OUT_OF_RANGE otherwise).
 */
record SizeRange(long targetBytes, long limitBytes) {
    static final long BLOCK_BYTES = 4096;
    static final long DEFAULT_BYTES = 1L << 30;
    static final long MAX_BYTES = 8L << 40;

    static SizeRange of(Csi.CapacityRange range) {
        long required = range.getRequiredBytes();
        long limit = range.getLimitBytes();
        if (required < 0 || limit < 0) {
            throw CsiErrors.invalid("capacity range must not be negative");
        }
        if (limit > 0 && required > limit) {
            throw CsiErrors.outOfRange("required_bytes " + required + " is above limit_bytes " + limit);
        }
        long target = required > 0 ? roundUp(required) : limit > 0 ? Math.min(DEFAULT_BYTES, limit / BLOCK_BYTES * BLOCK_BYTES)
                : DEFAULT_BYTES;
        if (target <= 0 || (limit > 0 && target > limit)) {
            throw CsiErrors.outOfRange("no size in [" + required + ", " + limit + "] is a multiple of 4096 bytes");
        }
        if (target > MAX_BYTES) {
            throw CsiErrors.outOfRange("volumes are at most 8 TiB; asked for " + required + " bytes");
        }
        return new SizeRange(target, limit);
    }

    static long roundUp(long bytes) {
        return (bytes + BLOCK_BYTES - 1) / BLOCK_BYTES * BLOCK_BYTES;
    }
}
