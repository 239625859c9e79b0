package io.wharf.storage.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The merged in-memory map from block number to {@link BlockEntry}: which layer of the chain a
 * block is read from. One lookup per block whatever the number of layers.
 *
 * <p>Sparse and chunked: chunks of {@value #CHUNK_BLOCKS} entries ({@code short[]}, 2 KiB for 4 MiB
 * of volume) are allocated on the first non-zero entry; a directory page points to {@value
 * #PAGE_CHUNKS} chunks (4 GiB of volume); the top array points to pages. An empty 10 TiB volume costs
 * a 2,560-slot top array; a fully written 10 GiB volume about 5 MB.
 *
 * <p>Concurrency: readers take no lock. Entries are read with acquire and written with release
 * semantics; chunks and pages are installed with compare-and-set, so a reader sees either no chunk
 * (all zero entries) or the chunk. Writers of one entry must exclude each other (the head layer's
 * region locks do that); {@link #compareAndSet} is for state changes made without that lock.
 */
public final class ExtentIndex {
    public static final int CHUNK_SHIFT = 10;
    public static final int CHUNK_BLOCKS = 1 << CHUNK_SHIFT;
    static final int PAGE_SHIFT = 10;
    static final int PAGE_CHUNKS = 1 << PAGE_SHIFT;
    private static final int BLOCKS_PER_PAGE_SHIFT = CHUNK_SHIFT + PAGE_SHIFT;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(short[].class);

    private volatile AtomicReferenceArray<AtomicReferenceArray<short[]>> pages;
    private volatile long blockCount;

    public ExtentIndex(long blockCount) {
        if (blockCount < 0) {
            throw new IllegalArgumentException("block count " + blockCount);
        }
        this.blockCount = blockCount;
        this.pages = new AtomicReferenceArray<>(pagesFor(blockCount));
    }

    public long blockCount() {
        return blockCount;
    }

    public long chunkCount() {
        return (blockCount + CHUNK_BLOCKS - 1) >>> CHUNK_SHIFT;
    }

    /** Makes room for {@code newBlockCount} blocks; existing entries stay; never shrinks. */
    public synchronized void grow(long newBlockCount) {
        if (newBlockCount <= blockCount) {
            return;
        }
        AtomicReferenceArray<AtomicReferenceArray<short[]>> old = pages;
        int needed = pagesFor(newBlockCount);
        if (needed > old.length()) {
            AtomicReferenceArray<AtomicReferenceArray<short[]>> bigger = new AtomicReferenceArray<>(needed);
            for (int i = 0; i < old.length(); i++) {
                bigger.set(i, old.get(i));
            }
            pages = bigger;
        }
        blockCount = newBlockCount;
    }

    /** The entry of {@code block}, 0 when nothing holds it. */
    public int get(long block) {
        short[] chunk = chunk(block);
        if (chunk == null) {
            return BlockEntry.NONE;
        }
        return ((short) ENTRY.getAcquire(chunk, (int) (block & (CHUNK_BLOCKS - 1)))) & 0xFFFF;
    }

    public void set(long block, int entry) {
        assert entry >= 0 && entry <= 0xFFFF : entry;
        short[] chunk = chunk(block);
        if (chunk == null) {
            if (entry == BlockEntry.NONE) {
                return;
            }
            chunk = installChunk(block);
        }
        ENTRY.setRelease(chunk, (int) (block & (CHUNK_BLOCKS - 1)), (short) entry);
    }

    public boolean compareAndSet(long block, int expected, int entry) {
        short[] chunk = chunk(block);
        if (chunk == null) {
            if (expected != BlockEntry.NONE) {
                return false;
            }
            chunk = installChunk(block);
        }
        return ENTRY.compareAndSet(chunk, (int) (block & (CHUNK_BLOCKS - 1)), (short) expected, (short) entry);
    }

    /** True when the chunk holding {@code chunkIndex * CHUNK_BLOCKS} has ever held a non-zero entry. */
    public boolean chunkAllocated(long chunkIndex) {
        return chunk(chunkIndex << CHUNK_SHIFT) != null;
    }

    /** The first block at or after {@code block} whose chunk is allocated, or {@code limit}. */
    public long nextAllocatedChunkStart(long block, long limit) {
        long chunkIndex = block >>> CHUNK_SHIFT;
        while ((chunkIndex << CHUNK_SHIFT) < limit) {
            AtomicReferenceArray<AtomicReferenceArray<short[]>> top = pages;
            int pageIndex = (int) (chunkIndex >>> PAGE_SHIFT);
            if (pageIndex >= top.length()) {
                return limit;
            }
            AtomicReferenceArray<short[]> page = top.get(pageIndex);
            if (page == null) {
                chunkIndex = ((long) pageIndex + 1) << PAGE_SHIFT;
                continue;
            }
            if (page.get((int) (chunkIndex & (PAGE_CHUNKS - 1))) != null) {
                return Math.max(block, chunkIndex << CHUNK_SHIFT);
            }
            chunkIndex++;
        }
        return limit;
    }

    /** Heap bytes held by chunks: what the index costs, for tests and metrics. */
    public long chunkBytes() {
        AtomicReferenceArray<AtomicReferenceArray<short[]>> top = pages;
        long chunks = 0;
        for (int p = 0; p < top.length(); p++) {
            AtomicReferenceArray<short[]> page = top.get(p);
            if (page != null) {
                for (int c = 0; c < PAGE_CHUNKS; c++) {
                    if (page.get(c) != null) {
                        chunks++;
                    }
                }
            }
        }
        return chunks * CHUNK_BLOCKS * Short.BYTES;
    }

    private short[] chunk(long block) {
        AtomicReferenceArray<AtomicReferenceArray<short[]>> top = pages;
        long pageIndex = block >>> BLOCKS_PER_PAGE_SHIFT;
        if (block < 0 || pageIndex >= top.length()) {
            return null;
        }
        AtomicReferenceArray<short[]> page = top.get((int) pageIndex);
        if (page == null) {
            return null;
        }
        return page.get((int) ((block >>> CHUNK_SHIFT) & (PAGE_CHUNKS - 1)));
    }

    private short[] installChunk(long block) {
        if (block < 0 || block >= blockCount) {
            throw new IllegalArgumentException("block " + block + " is outside the index of " + blockCount + " blocks");
        }
        AtomicReferenceArray<short[]> page = page((int) (block >>> BLOCKS_PER_PAGE_SHIFT));
        int slot = (int) ((block >>> CHUNK_SHIFT) & (PAGE_CHUNKS - 1));
        short[] chunk = page.get(slot);
        if (chunk == null) {
            page.compareAndSet(slot, null, new short[CHUNK_BLOCKS]);
            chunk = page.get(slot);
        }
        return chunk;
    }

    private AtomicReferenceArray<short[]> page(int pageIndex) {
        AtomicReferenceArray<short[]> page = pages.get(pageIndex);
        if (page != null) {
            return page;
        }
        // Installed under the same monitor as grow(), so a page cannot be put into a top array
        // that grow() has already copied.
        synchronized (this) {
            AtomicReferenceArray<AtomicReferenceArray<short[]>> top = pages;
            page = top.get(pageIndex);
            if (page == null) {
                page = new AtomicReferenceArray<>(PAGE_CHUNKS);
                top.set(pageIndex, page);
            }
            return page;
        }
    }

    private static int pagesFor(long blockCount) {
        long pageCount = (blockCount + (1L << BLOCKS_PER_PAGE_SHIFT) - 1) >>> BLOCKS_PER_PAGE_SHIFT;
        if (pageCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("volume of " + blockCount + " blocks is too large");
        }
        return (int) pageCount;
    }
}
