package io.wharf.replication.sync;

/**
 * How a volume is cut into regions, the unit of the activity log, dirty tracking and copies. Both
 * sides derive it from the volume size and the configured region size, so they always agree: the
 * smallest power of two at least {@code preferredRegionBytes} that keeps the count within
 * {@link #MAX_REGIONS} (one region set per wire payload).
 */
public record RegionGeometry(long sizeBytes, int regionBytes, int regionCount) {
    /** As {@code io.wharf.replication.wire.RegionBits#MAX_REGIONS}: a set must fit one frame. */
    public static final int MAX_REGIONS = 8_000_000;
    /**
     * Largest configured region size. Larger volumes may get larger regions (doubled to stay within
     * {@link #MAX_REGIONS}); copies then go in chunks of one frame's payload.
     */
    public static final int MAX_REGION_BYTES = 1 << 20;

    public RegionGeometry {
        if (sizeBytes <= 0 || regionBytes <= 0 || Integer.bitCount(regionBytes) != 1) {
            throw new IllegalArgumentException("size " + sizeBytes + " and region size " + regionBytes + " are not valid");
        }
        if (regionCount != (int) ((sizeBytes + regionBytes - 1) / regionBytes)) {
            throw new IllegalArgumentException("region count " + regionCount + " does not match");
        }
    }

    public static RegionGeometry of(long sizeBytes, int preferredRegionBytes) {
        if (preferredRegionBytes <= 0 || Integer.bitCount(preferredRegionBytes) != 1 || preferredRegionBytes > MAX_REGION_BYTES) {
            throw new IllegalArgumentException("region size " + preferredRegionBytes + " must be a power of two up to 1 MiB");
        }
        return fitted(sizeBytes, preferredRegionBytes);
    }

    /** {@code sizeBytes} cut into regions of {@code region} bytes, doubled as often as the count needs. */
    private static RegionGeometry fitted(long sizeBytes, long region) {
        while ((sizeBytes + region - 1) / region > MAX_REGIONS) {
            region *= 2;
        }
        if (region > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("volume of " + sizeBytes + " bytes is too large for region tracking");
        }
        return new RegionGeometry(sizeBytes, (int) region, (int) ((sizeBytes + region - 1) / region));
    }

    /**
     * The geometry of this volume grown to {@code largerBytes}: the same region size, doubled as often
     * as the count needs to stay within {@link #MAX_REGIONS}. It equals {@link #of} of the larger size
     * with the region size this geometry was made with, so every side that grows agrees.
     *
     * @throws IllegalArgumentException when {@code largerBytes} is smaller than this size, or too large
     */
    public RegionGeometry grown(long largerBytes) {
        if (largerBytes < sizeBytes) {
            throw new IllegalArgumentException("a volume of " + sizeBytes + " bytes does not shrink to " + largerBytes);
        }
        return fitted(largerBytes, regionBytes);
    }

    /**
     * {@code set} (regions of this geometry) as regions of {@code larger}, a grown geometry of the same
     * volume: every region of {@code larger} that overlaps a member. A superset when the regions got
     * larger, which is what activity logs and dirty maps need (they may only over-approximate).
     */
    public RegionSet carry(RegionSet set, RegionGeometry larger) {
        if (set.regionCount() != regionCount || larger.sizeBytes < sizeBytes || larger.regionBytes % regionBytes != 0) {
            throw new IllegalArgumentException("cannot carry a set of " + set.regionCount() + " regions from " + this + " to " + larger);
        }
        RegionSet carried = larger.emptySet();
        for (int region = set.next(0); region >= 0; region = set.next(region + 1)) {
            carried.add(larger.regionOf(regionStart(region)));
        }
        return carried;
    }

    public int regionOf(long offset) {
        return (int) (offset / regionBytes);
    }

    /** The last region a non-empty range touches. */
    public int lastRegion(long offset, long length) {
        return (int) ((offset + Math.max(length, 1) - 1) / regionBytes);
    }

    public long regionStart(int region) {
        return (long) region * regionBytes;
    }

    /** Bytes of {@code region} (the last may be short). */
    public int regionLength(int region) {
        return (int) Math.min(regionBytes, sizeBytes - regionStart(region));
    }

    public RegionSet emptySet() {
        return RegionSet.empty(regionCount);
    }

    /** The regions of a range. */
    public RegionSet regions(long offset, long length) {
        RegionSet set = emptySet();
        set.addRange(regionOf(offset), lastRegion(offset, length));
        return set;
    }
}
