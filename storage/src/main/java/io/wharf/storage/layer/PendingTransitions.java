package io.wharf.storage.layer;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * The head layer's block state changes not yet taken by a flush: block -> CRC32C of the block's
 * new data (0 for ABSENT/ZERO). A block is here exactly when its index entry is DIRTY.
 *
 * <p>One small open-addressing map (primitive arrays, about 24 bytes per entry) per region-lock
 * stripe: a block's map is only touched while its stripe is locked, so the maps need no
 * synchronization of their own and writers to different stripes never contend.
 *
 * <p>The blocks of one region get neighbouring home slots, so the 16 blocks a write puts into a
 * stripe share two or three cache lines instead of missing the cache once each (a sequential
 * 1 MiB write touches 16 stripes). The count is a {@link LongAdder}: only the flusher, under the
 * flush lock, decrements it, so a sum that races with writers never misses a completed put.
 */
final class PendingTransitions {
    /** Created on first use (under the stripe's lock), so an idle volume costs a 1024-slot array. */
    private final StripeMap[] stripes = new StripeMap[RegionLocks.STRIPES];
    private final LongAdder size = new LongAdder();

    /** Caller holds the block's stripe. */
    void put(long block, int dataCrc) {
        int stripe = RegionLocks.stripe(block);
        StripeMap map = stripes[stripe];
        if (map == null) {
            map = new StripeMap();
            stripes[stripe] = map;
        }
        if (map.put(block, dataCrc)) {
            size.increment();
        }
    }

    /** Caller holds the block's stripe; the block must be present. */
    int remove(long block) {
        StripeMap map = stripes[RegionLocks.stripe(block)];
        int slot = map == null ? -1 : map.find(block);
        assert slot >= 0 : "DIRTY block " + block + " has no pending record";
        if (slot < 0) {
            return 0;
        }
        int crc = map.values[slot];
        map.removeAt(slot);
        size.decrement();
        return crc;
    }

    long size() {
        return size.sum();
    }

    /** Whether stripe {@code stripe} holds anything; a racy hint for skipping empty stripes. */
    boolean stripeHasEntries(int stripe) {
        StripeMap map = stripes[stripe];
        return map != null && map.count > 0;
    }

    /**
     * Copies the blocks of one stripe into {@code into} (from index 0) and returns how many;
     * caller holds the stripe. The caller then removes each one it takes.
     */
    int blocksOfStripe(int stripe, long[] into) {
        StripeMap map = stripes[stripe];
        if (map == null) {
            return 0;
        }
        assert into.length >= map.count;
        int n = 0;
        for (int i = 0; i < map.keys.length; i++) {
            if (map.keys[i] != StripeMap.EMPTY) {
                into[n++] = map.keys[i];
            }
        }
        return n;
    }

    int stripeCount(int stripe) {
        StripeMap map = stripes[stripe];
        return map == null ? 0 : map.count;
    }

    /**
     * Linear probing with backward-shift deletion; keys are block numbers (never negative). A key's
     * home slot keeps its offset within the region: the region is hashed, its blocks then follow
     * one another.
     */
    private static final class StripeMap {
        static final long EMPTY = -1;
        private static final int MIN_CAPACITY = 8;
        private static final int STRIPE_BITS = Integer.numberOfTrailingZeros(RegionLocks.STRIPES);
        long[] keys = newKeys(MIN_CAPACITY);
        int[] values = new int[MIN_CAPACITY];
        volatile int count;

        boolean put(long key, int value) {
            int slot = find(key);
            if (slot >= 0) {
                values[slot] = value;
                return false;
            }
            if ((count + 1) * 4 > keys.length * 3) {
                resize(keys.length * 2);
            }
            int mask = keys.length - 1;
            int i = home(key) & mask;
            while (keys[i] != EMPTY) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
            count++;
            return true;
        }

        int find(long key) {
            int mask = keys.length - 1;
            int i = home(key) & mask;
            while (keys[i] != EMPTY) {
                if (keys[i] == key) {
                    return i;
                }
                i = (i + 1) & mask;
            }
            return -1;
        }

        void removeAt(int slot) {
            int mask = keys.length - 1;
            int hole = slot;
            int i = (slot + 1) & mask;
            while (keys[i] != EMPTY) {
                int homeSlot = home(keys[i]) & mask;
                // move keys[i] into the hole unless its home lies cyclically in (hole, i]
                boolean stays = hole <= i ? (homeSlot > hole && homeSlot <= i) : (homeSlot > hole || homeSlot <= i);
                if (!stays) {
                    keys[hole] = keys[i];
                    values[hole] = values[i];
                    hole = i;
                }
                i = (i + 1) & mask;
            }
            keys[hole] = EMPTY;
            count--;
            if (count == 0 && keys.length > 64) {
                keys = newKeys(MIN_CAPACITY); // give memory back after a large batch
                values = new int[MIN_CAPACITY];
            }
        }

        private void resize(int capacity) {
            long[] oldKeys = keys;
            int[] oldValues = values;
            keys = newKeys(capacity);
            values = new int[capacity];
            int mask = capacity - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldKeys[j] != EMPTY) {
                    int i = home(oldKeys[j]) & mask;
                    while (keys[i] != EMPTY) {
                        i = (i + 1) & mask;
                    }
                    keys[i] = oldKeys[j];
                    values[i] = oldValues[j];
                }
            }
        }

        private static long[] newKeys(int capacity) {
            long[] k = new long[capacity];
            Arrays.fill(k, EMPTY);
            return k;
        }

        /** Keys of one stripe differ above the stripe bits and in the offset within the region. */
        private static int home(long key) {
            long h = (key >>> (RegionLocks.REGION_SHIFT + STRIPE_BITS)) * 0x9E3779B97F4A7C15L;
            int regionHash = (int) (h ^ (h >>> 32));
            return (regionHash << RegionLocks.REGION_SHIFT) | (int) (key & (RegionLocks.REGION_BLOCKS - 1));
        }
    }
}
