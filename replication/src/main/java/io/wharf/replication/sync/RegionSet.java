package io.wharf.replication.sync;

import java.util.BitSet;
import java.util.Objects;

/**
 * A mutable set of a volume's regions (indexes {@code 0 .. regionCount-1}): activity logs, dirty
 * maps, copy lists. Cheap to copy; compares by content.
 */
public final class RegionSet {
    private final int regionCount;
    private final BitSet bits;

    private RegionSet(int regionCount, BitSet bits) {
        if (regionCount < 0) {
            throw new IllegalArgumentException("region count " + regionCount);
        }
        if (bits.length() > regionCount) {
            throw new IllegalArgumentException("region " + (bits.length() - 1) + " is past the count " + regionCount);
        }
        this.regionCount = regionCount;
        this.bits = bits;
    }

    public static RegionSet empty(int regionCount) {
        return new RegionSet(regionCount, new BitSet(regionCount));
    }

    public static RegionSet all(int regionCount) {
        RegionSet set = empty(regionCount);
        set.bits.set(0, regionCount);
        return set;
    }

    /** A set over a copy of {@code bits}. */
    public static RegionSet of(int regionCount, BitSet bits) {
        return new RegionSet(regionCount, (BitSet) bits.clone());
    }

    public int regionCount() {
        return regionCount;
    }

    public RegionSet copy() {
        return new RegionSet(regionCount, (BitSet) bits.clone());
    }

    /** A copy of the members as a {@link BitSet}. */
    public BitSet toBitSet() {
        return (BitSet) bits.clone();
    }

    public boolean contains(int region) {
        return bits.get(region);
    }

    /** Whether every region of {@code first..last} (inclusive) is a member. */
    public boolean containsRange(int first, int last) {
        int clear = bits.nextClearBit(first);
        return clear > last;
    }

    public boolean containsAll(RegionSet other) {
        checkSame(other);
        BitSet missing = (BitSet) other.bits.clone();
        missing.andNot(bits);
        return missing.isEmpty();
    }

    public boolean intersects(int first, int last) {
        int next = bits.nextSetBit(first);
        return next >= 0 && next <= last;
    }

    public void add(int region) {
        checkIndex(region);
        bits.set(region);
    }

    public void addRange(int first, int last) {
        checkIndex(first);
        checkIndex(last);
        bits.set(first, last + 1);
    }

    public void addAll(RegionSet other) {
        checkSame(other);
        bits.or(other.bits);
    }

    public void remove(int region) {
        checkIndex(region);
        bits.clear(region);
    }

    public void removeRange(int first, int last) {
        bits.clear(first, last + 1);
    }

    public void removeAll(RegionSet other) {
        checkSame(other);
        bits.andNot(other.bits);
    }

    /** Keeps only the members of {@code other}. */
    public void retainAll(RegionSet other) {
        checkSame(other);
        bits.and(other.bits);
    }

    public void clear() {
        bits.clear();
    }

    public boolean isEmpty() {
        return bits.isEmpty();
    }

    public int size() {
        return bits.cardinality();
    }

    /** The first member at or after {@code from}, or -1. */
    public int next(int from) {
        return from >= regionCount ? -1 : bits.nextSetBit(from);
    }

    private void checkIndex(int region) {
        if (region < 0 || region >= regionCount) {
            throw new IndexOutOfBoundsException("region " + region + " of " + regionCount);
        }
    }

    private void checkSame(RegionSet other) {
        if (other.regionCount != regionCount) {
            throw new IllegalArgumentException("region sets of " + regionCount + " and " + other.regionCount + " regions");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RegionSet set && set.regionCount == regionCount && set.bits.equals(bits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(regionCount, bits);
    }

    @Override
    public String toString() {
        return bits + "/" + regionCount;
    }
}
