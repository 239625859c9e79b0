package io.wharf.storage.layer;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks that serialize changes to the head layer's blocks: every write, read-modify-write,
 * trim and journal capture of a block holds the stripe of its region ({@value #REGION_BLOCKS} blocks)
 * while it changes the block's bytes and index entry together. Reads take no lock.
 *
 * <p>Deadlock freedom: a thread holds stripes of one run at a time and takes them in ascending
 * stripe order; nobody waits for the flush lock while holding a stripe.
 */
final class RegionLocks {
    static final int REGION_SHIFT = 4;
    static final int REGION_BLOCKS = 1 << REGION_SHIFT;
    static final int STRIPES = 1024;
    /** Longest run locked at once: one chunk of the index (64 regions). */
    static final int MAX_LOCKED_BLOCKS = 1024;

    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    RegionLocks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    void lock(long firstBlock, int count) {
        assert count > 0 && count <= MAX_LOCKED_BLOCKS : count;
        long firstRegion = firstBlock >>> REGION_SHIFT;
        int regions = (int) (((firstBlock + count - 1) >>> REGION_SHIFT) - firstRegion + 1);
        int start = (int) (firstRegion & (STRIPES - 1));
        if (start + regions <= STRIPES) {
            for (int i = 0; i < regions; i++) {
                stripes[start + i].lock();
            }
        } else {
            int wrapped = start + regions - STRIPES;
            for (int i = 0; i < wrapped; i++) {
                stripes[i].lock();
            }
            for (int i = start; i < STRIPES; i++) {
                stripes[i].lock();
            }
        }
    }

    void unlock(long firstBlock, int count) {
        long firstRegion = firstBlock >>> REGION_SHIFT;
        int regions = (int) (((firstBlock + count - 1) >>> REGION_SHIFT) - firstRegion + 1);
        for (int i = 0; i < regions; i++) {
            stripes[(int) ((firstRegion + i) & (STRIPES - 1))].unlock();
        }
    }

    static int stripe(long block) {
        return (int) ((block >>> REGION_SHIFT) & (STRIPES - 1));
    }

    void lockStripe(int stripe) {
        stripes[stripe].lock();
    }

    void unlockStripe(int stripe) {
        stripes[stripe].unlock();
    }

    boolean heldByCurrentThread(long block) {
        return stripes[(int) ((block >>> REGION_SHIFT) & (STRIPES - 1))].isHeldByCurrentThread();
    }
}
