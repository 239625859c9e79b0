package io.wharf.storage.layer;

import io.wharf.core.WharfException;
import io.wharf.storage.disk.DiskErrors;
import io.wharf.storage.index.BlockEntry;
import io.wharf.storage.index.ExtentIndex;
import io.wharf.storage.journal.BlockState;
import io.wharf.storage.journal.JournalRing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The writable top of a layer chain: every change to a volume's blocks goes through here.
 *
 * <p>Per block, under its region lock: write the bytes into the head layer file, then update the
 * block's index entry. A block whose head state changes (absent or zero to data, data to absent or
 * zero) becomes DIRTY and gets a pending journal record carrying the CRC32C of its new data; a
 * block already durable as head data is overwritten in place with no record at all.
 *
 * <p>A block whose newest record is INFLIGHT or UNCONFIRMED must not change on disk until a later
 * journal batch confirms it, because recovery verifies the data checksum of the newest batch: the
 * change waits for a flush, which writes that confirming batch (see the package documentation).
 */
public final class HeadLayer {
    /** Longest run of blocks one write locks and writes with one {@code pwrite} (1 MiB). */
    public static final int MAX_RUN_BLOCKS = 256;
    /**
     * Pending records that make a write flush (about 24 MiB of memory, 4 GiB of newly written blocks
     * without a flush); only bounds memory, the page cache bounds dirty data long before.
     */
    static final long PENDING_LIMIT = 1L << 20;

    private final LayerChain chain;
    private final LayerFile file;
    private final int ordinal;
    private final boolean lowerLayers;
    private final ExtentIndex index;
    private final RegionLocks locks = new RegionLocks();
    private final PendingTransitions pending = new PendingTransitions();
    private final AtomicLong dataBlocks;
    private final HeadCommit commit;

    HeadLayer(LayerChain chain, LayerFile file, int ordinal, ExtentIndex index, long dataBlocks, JournalRing ring,
              Path mapPath) {
        this.chain = chain;
        this.file = file;
        this.ordinal = ordinal;
        this.lowerLayers = ordinal > 1;
        this.index = index;
        this.dataBlocks = new AtomicLong(dataBlocks);
        this.commit = new HeadCommit(this, ring, mapPath);
    }

    /** Writes whole blocks {@code [firstBlock, firstBlock + src.remaining() / 4096)}; consumes {@code src}. */
    public void writeBlocks(long firstBlock, ByteBuffer src) throws IOException {
        int count = src.remaining() >>> LayerFile.BLOCK_SHIFT;
        assert count > 0 && count <= MAX_RUN_BLOCKS && (src.remaining() & (LayerFile.BLOCK_BYTES - 1)) == 0;
        commit.checkUsable();
        lockForChange(firstBlock, count);
        try {
            writeLocked(firstBlock, count, src);
        } finally {
            locks.unlock(firstBlock, count);
        }
        src.position(src.limit());
        afterChange();
    }

    /** Read-modify-write of part of one block; consumes {@code src}. */
    public void writePartial(long block, int innerOffset, ByteBuffer src) throws IOException {
        assert innerOffset >= 0 && innerOffset + src.remaining() <= LayerFile.BLOCK_BYTES;
        commit.checkUsable();
        lockForChange(block, 1);
        ByteBuffer buffer = BlockBuffers.take();
        try {
            chain.readBlock(block, buffer);
            buffer.clear().position(innerOffset);
            buffer.put(src.duplicate());
            buffer.clear();
            writeLocked(block, 1, buffer);
        } finally {
            locks.unlock(block, 1);
            BlockBuffers.give(buffer);
        }
        src.position(src.limit());
        afterChange();
    }

    /** Zeros {@code length} bytes of one block from {@code innerOffset} by read-modify-write; free if it reads zeros already. */
    public void zeroPartial(long block, int innerOffset, int length) throws IOException {
        assert innerOffset >= 0 && length > 0 && innerOffset + length <= LayerFile.BLOCK_BYTES;
        commit.checkUsable();
        lockForChange(block, 1);
        ByteBuffer buffer = BlockBuffers.take();
        try {
            if (BlockEntry.dataSource(index.get(block)) == 0) {
                return;
            }
            chain.readBlock(block, buffer);
            buffer.clear().position(innerOffset);
            ZeroBlocks.fill(buffer, length);
            buffer.clear();
            writeLocked(block, 1, buffer);
        } finally {
            locks.unlock(block, 1);
            BlockBuffers.give(buffer);
        }
        afterChange();
    }

    /** Writes zero bytes into whole blocks, keeping them allocated (WRITE_ZEROES without punching). */
    public void writeZeroBlocks(long firstBlock, long count) throws IOException {
        while (count > 0) {
            int n = (int) Math.min(count, MAX_RUN_BLOCKS);
            writeBlocks(firstBlock, ZeroBlocks.slice(n << LayerFile.BLOCK_SHIFT));
            firstBlock += n;
            count -= n;
        }
    }

    /**
     * Makes whole blocks read zeros and gives their space back: head data is punched out; the head's
     * state becomes ABSENT, or a ZERO marker when lower layers could otherwise show through.
     */
    public void discardBlocks(long firstBlock, long count) throws IOException {
        commit.checkUsable();
        long end = firstBlock + count;
        while (firstBlock < end) {
            // Whole chunks no layer ever touched read zeros already: skip them (mkfs discards whole devices).
            firstBlock = index.nextAllocatedChunkStart(firstBlock, end);
            count = end - firstBlock;
            if (count <= 0) {
                break;
            }
            int n = (int) Math.min(count, MAX_RUN_BLOCKS);
            lockForChange(firstBlock, n);
            try {
                discardLocked(firstBlock, n);
            } finally {
                locks.unlock(firstBlock, n);
            }
            afterChange();
            firstBlock += n;
        }
    }

    public void flush() throws IOException {
        commit.flush();
    }

    /**
     * Takes over one block from a sealed layer below that is being removed from the chain, unless
     * the head holds the block itself (then the head's version is what reads return anyway).
     *
     * @param zero true to take over a ZERO marker; else {@code data} holds the block's 4 KiB
     * @return true when the head took the block
     */
    boolean absorb(long block, boolean zero, ByteBuffer data) throws IOException {
        commit.checkUsable();
        lockForChange(block, 1);
        try {
            if (headState(index.get(block)) != BlockState.ABSENT) {
                return false;
            }
            if (zero) {
                pending.put(block, 0);
                index.set(block, BlockEntry.of(ordinal, true, BlockEntry.DIRTY));
            } else {
                writeLocked(block, 1, data);
            }
        } finally {
            locks.unlock(block, 1);
        }
        afterChange();
        return true;
    }

    /**
     * Makes every change durable and stops the head for good: it becomes a sealed layer. The caller
     * guarantees that no change runs concurrently. Afterwards every index entry of this layer is
     * DURABLE, so a head stacked on top never waits for a confirmation that would not come.
     */
    void seal() throws IOException {
        commit.seal();
        assert pending.size() == 0 : "changes pending after seal";
    }

    /** Head data blocks: the thin allocation of this layer. */
    public long dataBlocks() {
        return dataBlocks.get();
    }

    /** Number of fdatasync calls made by flushes; for tests of group commit and metrics. */
    public long syncCount() {
        return commit.syncCount();
    }

    /** Threads waiting for the flush lock (an estimate, for tests). */
    int queuedFlushes() {
        return commit.queuedFlushes();
    }

    public void observeCommits(CommitObserver observer) {
        commit.observe(observer);
    }

    void checkpoint() throws IOException {
        commit.checkpoint();
    }

    void close(boolean checkpoint) throws IOException {
        try {
            if (checkpoint) {
                commit.checkpoint();
            }
        } finally {
            commit.stop();
        }
    }

    // --- shared with HeadCommit ---

    ExtentIndex index() {
        return index;
    }

    RegionLocks locks() {
        return locks;
    }

    PendingTransitions pending() {
        return pending;
    }

    LayerFile file() {
        return file;
    }

    /** The head layer's own state of a block, from its merged index entry. */
    int headState(int entry) {
        if (BlockEntry.ordinal(entry) != ordinal) {
            return BlockState.ABSENT;
        }
        return BlockEntry.zero(entry) ? BlockState.ZERO : BlockState.DATA;
    }

    // --- internals ---

    /**
     * Takes the region locks of the run, first waiting (by flushing) until none of its blocks has an
     * INFLIGHT or UNCONFIRMED record. Returns with the locks held.
     */
    private void lockForChange(long firstBlock, int count) throws IOException {
        while (true) {
            locks.lock(firstBlock, count);
            if (!needsConfirmation(firstBlock, count)) {
                return;
            }
            locks.unlock(firstBlock, count);
            commit.flush();
        }
    }

    private boolean needsConfirmation(long firstBlock, int count) {
        for (int i = 0; i < count; i++) {
            int durability = BlockEntry.durability(index.get(firstBlock + i));
            if (durability == BlockEntry.INFLIGHT || durability == BlockEntry.UNCONFIRMED) {
                return true;
            }
        }
        return false;
    }

    private void writeLocked(long firstBlock, int count, ByteBuffer src) throws IOException {
        try {
            file.writeData(firstBlock << LayerFile.BLOCK_SHIFT, src.duplicate());
        } catch (IOException | WharfException e) {
            refreshPendingChecksums(firstBlock, count);
            throw e;
        }
        int newDataBlocks = 0;
        for (int i = 0; i < count; i++) {
            long block = firstBlock + i;
            int entry = index.get(block);
            int state = headState(entry);
            if (state == BlockState.DATA && BlockEntry.durability(entry) == BlockEntry.DURABLE) {
                continue; // overwrite in place: the block map does not change
            }
            pending.put(block, crc(src, src.position() + (i << LayerFile.BLOCK_SHIFT)));
            if (state != BlockState.DATA) {
                newDataBlocks++;
            }
            index.set(block, BlockEntry.of(ordinal, false, BlockEntry.DIRTY));
        }
        if (newDataBlocks > 0) {
            dataBlocks.addAndGet(newDataBlocks); // once per run: writers share this counter
        }
    }

    private void discardLocked(long firstBlock, int count) throws IOException {
        int i = 0;
        while (i < count) {
            int entry = index.get(firstBlock + i);
            if (headState(entry) == BlockState.DATA) {
                int runEnd = i + 1;
                while (runEnd < count && headState(index.get(firstBlock + runEnd)) == BlockState.DATA) {
                    runEnd++;
                }
                file.discardData((firstBlock + i) << LayerFile.BLOCK_SHIFT,
                        (long) (runEnd - i) << LayerFile.BLOCK_SHIFT);
                for (int j = i; j < runEnd; j++) {
                    markDiscarded(firstBlock + j);
                }
                dataBlocks.addAndGet(-(runEnd - i));
                i = runEnd;
            } else {
                if (BlockEntry.dataSource(entry) != 0) {
                    markDiscarded(firstBlock + i); // lower layer data shows through: cover it
                }
                i++;
            }
        }
    }

    private void markDiscarded(long block) {
        pending.put(block, 0);
        index.set(block, lowerLayers ? BlockEntry.of(ordinal, true, BlockEntry.DIRTY)
                : BlockEntry.of(0, false, BlockEntry.DIRTY));
    }

    /** After a failed write, pending checksums of DIRTY data blocks must describe what the file now holds. */
    private void refreshPendingChecksums(long firstBlock, int count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(LayerFile.BLOCK_BYTES);
        for (int i = 0; i < count; i++) {
            long block = firstBlock + i;
            int entry = index.get(block);
            if (headState(entry) == BlockState.DATA && BlockEntry.durability(entry) == BlockEntry.DIRTY) {
                buffer.clear();
                file.readData(block << LayerFile.BLOCK_SHIFT, buffer);
                pending.put(block, crc(buffer.flip(), 0));
            }
        }
    }

    private void afterChange() throws IOException {
        if (pending.size() >= PENDING_LIMIT) {
            commit.flush();
        }
    }

    static int crc(ByteBuffer buffer, int position) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.slice(position, LayerFile.BLOCK_BYTES));
        return (int) crc.getValue();
    }
}
