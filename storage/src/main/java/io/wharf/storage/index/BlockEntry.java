package io.wharf.storage.index;

/**
 * The 16-bit entry the {@link ExtentIndex} keeps per block, as an {@code int} in {@code [0, 0xFFFF]}.
 *
 * <pre>
 * bits  0-11  ordinal of the top-most layer that holds the block (1 = base); 0 = no layer holds it
 * bit   12    ZERO: that layer holds the block as "reads zeros" (a marker, no data)
 * bits 13-14  durability of the head layer's record for this block (only meaningful for the head):
 *             0 DURABLE      the head's state for the block is on disk (checkpoint or confirmed journal)
 *             1 DIRTY        a state change is queued for the next journal batch
 *             2 INFLIGHT     a flush has taken the change and is writing/syncing it
 *             3 UNCONFIRMED  the batch holding the change is synced but is the newest batch; its data
 *                            checksum may be verified on recovery, so the block must not change on disk
 *                            until a later batch (or checkpoint) confirms it
 * bit   15    reserved, 0
 * </pre>
 *
 * An entry of 0 is a block no layer holds, durable: it reads zeros and costs nothing.
 */
public final class BlockEntry {
    public static final int NONE = 0;
    public static final int MAX_ORDINAL = 0x0FFF;
    public static final int DURABLE = 0;
    public static final int DIRTY = 1;
    public static final int INFLIGHT = 2;
    public static final int UNCONFIRMED = 3;

    private static final int ORDINAL_MASK = 0x0FFF;
    private static final int ZERO_FLAG = 0x1000;
    private static final int DURABILITY_SHIFT = 13;
    private static final int DURABILITY_MASK = 0x3 << DURABILITY_SHIFT;

    private BlockEntry() {}

    public static int of(int ordinal, boolean zero, int durability) {
        assert ordinal >= 0 && ordinal <= MAX_ORDINAL : ordinal;
        assert durability >= DURABLE && durability <= UNCONFIRMED : durability;
        assert !zero || ordinal != 0 : "a zero marker belongs to a layer";
        return ordinal | (zero ? ZERO_FLAG : 0) | (durability << DURABILITY_SHIFT);
    }

    public static int ordinal(int entry) {
        return entry & ORDINAL_MASK;
    }

    public static boolean zero(int entry) {
        return (entry & ZERO_FLAG) != 0;
    }

    public static int durability(int entry) {
        return (entry & DURABILITY_MASK) >>> DURABILITY_SHIFT;
    }

    public static int withDurability(int entry, int durability) {
        return (entry & ~DURABILITY_MASK) | (durability << DURABILITY_SHIFT);
    }

    /** The layer ordinal whose data file holds the block's bytes, or 0 when it reads zeros. */
    public static int dataSource(int entry) {
        return (entry & ZERO_FLAG) != 0 ? 0 : entry & ORDINAL_MASK;
    }

    /** True when some layer holds real data for the block (the NBD "allocated" state). */
    public static boolean hasData(int entry) {
        return dataSource(entry) != 0;
    }
}
