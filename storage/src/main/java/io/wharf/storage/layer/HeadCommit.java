package io.wharf.storage.layer;

import io.wharf.storage.disk.AtomicFile;
import io.wharf.storage.disk.DiskErrors;
import io.wharf.storage.index.BlockEntry;
import io.wharf.storage.index.ExtentIndex;
import io.wharf.storage.journal.BlockState;
import io.wharf.storage.journal.JournalBatch;
import io.wharf.storage.journal.JournalRing;
import io.wharf.storage.journal.LayerMap;
import io.wharf.storage.journal.MapCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flush of the head layer, with group commit: concurrent {@link #flush} calls share one fdatasync.
 *
 * <p>One commit, under the flush lock: take every pending record (DIRTY -> INFLIGHT, under each
 * block's region lock so the checksum matches the bytes), append them as one journal record (also
 * when there are none but the previous record is still unconfirmed: the new record confirms it),
 * fdatasync the layer file once, then mark the previous record's blocks DURABLE and this record's
 * data blocks UNCONFIRMED. With nothing to record it is a bare fdatasync.
 *
 * <p>When the ring is full (and on clean close, and after recovery) the commit writes a checkpoint
 * instead: sync, encode the head's map (taking any DIRTY block found on the way, then syncing
 * again), replace the checkpoint file atomically, restart the ring with the next generation.
 *
 * <p>A failed fdatasync is not retried: the volume stops (every later call fails) and the node must
 * restart, recovering from what is on disk.
 */
final class HeadCommit {
    private static final Logger LOG = LoggerFactory.getLogger(HeadCommit.class);
    /**
     * Most entries in one journal record. Recovery reads the data of every DATA entry of the newest
     * record (up to 64 MiB here); a flush that took more changes writes a checkpoint instead.
     */
    static final int VERIFIED_RECORD_LIMIT = 16_384;
    private final HeadLayer head;
    private final JournalRing ring;
    private final Path mapPath;
    private final ReentrantLock lock = new ReentrantLock();
    private final JournalBatch batch = new JournalBatch();
    private final JournalBatch scanned = new JournalBatch();
    private final AtomicLong syncs = new AtomicLong();
    private volatile long commitsStarted;
    private long commitsCompleted;
    private long[] unconfirmed = new long[64];
    private long[] stripeBlocks = new long[256];
    private int unconfirmedCount;
    private volatile Throwable failure;
    private volatile boolean stopped;
    private volatile CommitObserver observer = CommitObserver.NONE;

    HeadCommit(HeadLayer head, JournalRing ring, Path mapPath) {
        this.head = head;
        this.ring = ring;
        this.mapPath = mapPath;
    }

    void observe(CommitObserver commitObserver) {
        observer = commitObserver;
    }

    long syncCount() {
        return syncs.get();
    }

    int queuedFlushes() {
        return lock.getQueueLength();
    }

    void checkUsable() throws IOException {
        Throwable failed = failure;
        if (failed != null) {
            throw new IOException("volume stopped after a failed sync of " + head.file().path().getFileName()
                    + "; restart the node so that it recovers from the journal", failed);
        }
        if (stopped) {
            throw new IOException("layer " + head.file().path().getFileName() + " is closed");
        }
    }

    /** Every change completed before this call is durable when it returns. */
    void flush() throws IOException {
        checkUsable();
        long needed = commitsStarted + 1;
        lock.lock();
        try {
            if (commitsCompleted >= needed) {
                return; // a commit that started after our call completed meanwhile
            }
            checkUsable();
            long mine = ++commitsStarted;
            commitLocked(false);
            commitsCompleted = mine;
        } finally {
            lock.unlock();
        }
    }

    /** A commit that always ends in a checkpoint when anything changed since the last one. */
    void checkpoint() throws IOException {
        lock.lock();
        try {
            checkUsable();
            long mine = ++commitsStarted;
            commitLocked(true);
            commitsCompleted = mine;
        } finally {
            lock.unlock();
        }
    }

    void stop() {
        stopped = true;
    }

    /**
     * Last commit of a head that becomes a sealed layer: flushes, then treats the newest record as
     * confirmed (the layer's data never changes again, so recovery's checksum check of that record
     * stays true) and stops.
     */
    void seal() throws IOException {
        lock.lock();
        try {
            checkUsable();
            capturePending();
            if (!batch.isEmpty()) {
                release(batch);
                long mine = ++commitsStarted;
                commitLocked(false);
                commitsCompleted = mine;
            }
            // else: the caller's flush made everything durable and nothing changed since
            confirmPrevious();
            stopped = true;
        } finally {
            lock.unlock();
        }
    }

    private void commitLocked(boolean checkpoint) throws IOException {
        capturePending();
        boolean idle = batch.isEmpty() && unconfirmedCount == 0;
        if (checkpoint && idle && ring.usedBytes() == 0) {
            sync();
            return;
        }
        if (checkpoint || batch.size() > VERIFIED_RECORD_LIMIT || !ring.fits(batch.size())) {
            checkpointLocked();
            return;
        }
        if (idle) {
            sync();
            return;
        }
        try {
            ring.append(batch);
        } catch (IOException e) {
            release(batch);
            throw DiskErrors.rethrow("writing the journal", e);
        } catch (RuntimeException e) {
            release(batch);
            throw e;
        }
        observer.reached(CommitStage.BATCH_WRITTEN);
        sync();
        observer.reached(CommitStage.SYNCED);
        confirmPrevious();
        for (int i = 0; i < batch.size(); i++) {
            long block = batch.block(i);
            if (batch.state(i) == BlockState.DATA) {
                promote(block, BlockEntry.UNCONFIRMED);
                addUnconfirmed(block);
            } else {
                promote(block, BlockEntry.DURABLE);
            }
        }
        batch.clear();
    }

    private void checkpointLocked() throws IOException {
        sync();
        scanned.clear();
        long generation = ring.generation() + 1;
        byte[] encoded;
        try {
            encoded = MapCheckpoint.encode(new MapCheckpoint.Header(head.file().header().layerId(), generation,
                    ring.nextSequence()), this::scanHeadMap);
            if (!scanned.isEmpty()) {
                sync();
            }
            observer.reached(CommitStage.CHECKPOINT_ENCODED);
            AtomicFile.write(mapPath, encoded);
        } catch (IOException | RuntimeException e) {
            if (failure == null && AtomicFile.replaced(e)) {
                failure = e; // the new checkpoint may be on disk: the old generation must not grow
            }
            release(batch);
            release(scanned);
            throw e;
        }
        observer.reached(CommitStage.CHECKPOINT_WRITTEN);
        long usedRing = ring.usedBytes();
        ring.restart(generation);
        head.file().releaseJournalSpace(0, usedRing);
        observer.reached(CommitStage.RING_RESTARTED);
        confirmPrevious();
        promoteAll(batch);
        promoteAll(scanned);
        batch.clear();
        scanned.clear();
    }

    /** Encodes the head's own map chunk by chunk, taking DIRTY blocks into {@link #scanned}. */
    private void scanHeadMap(MapCheckpoint.PageSink sink) {
        ExtentIndex index = head.index();
        byte[] states = new byte[LayerMap.PAGE_BLOCKS];
        long blocks = index.blockCount();
        long block = index.nextAllocatedChunkStart(0, blocks);
        while (block < blocks) {
            int count = (int) Math.min(ExtentIndex.CHUNK_BLOCKS, blocks - block);
            head.locks().lock(block, count);
            try {
                for (int i = 0; i < count; i++) {
                    int entry = index.get(block + i);
                    if (BlockEntry.durability(entry) == BlockEntry.DIRTY) {
                        take(block + i, entry, scanned);
                    }
                    states[i] = (byte) head.headState(entry);
                }
            } finally {
                head.locks().unlock(block, count);
            }
            Arrays.fill(states, count, states.length, (byte) BlockState.ABSENT);
            sink.page(block / LayerMap.PAGE_BLOCKS, states);
            block = index.nextAllocatedChunkStart(block + ExtentIndex.CHUNK_BLOCKS, blocks);
        }
    }

    private void capturePending() {
        batch.clear();
        if (head.pending().size() == 0) {
            return;
        }
        PendingTransitions pending = head.pending();
        for (int stripe = 0; stripe < RegionLocks.STRIPES; stripe++) {
            if (!pending.stripeHasEntries(stripe)) {
                continue;
            }
            head.locks().lockStripe(stripe);
            try {
                int count = pending.stripeCount(stripe);
                if (stripeBlocks.length < count) {
                    stripeBlocks = new long[Math.max(count, stripeBlocks.length * 2)];
                }
                int n = pending.blocksOfStripe(stripe, stripeBlocks);
                for (int i = 0; i < n; i++) {
                    long block = stripeBlocks[i];
                    int entry = head.index().get(block);
                    assert BlockEntry.durability(entry) == BlockEntry.DIRTY : "pending block " + block + " is not DIRTY";
                    take(block, entry, batch);
                }
            } finally {
                head.locks().unlockStripe(stripe);
            }
        }
        if (stripeBlocks.length > 4096) {
            stripeBlocks = new long[256];
        }
    }

    /** DIRTY -> INFLIGHT; caller holds the block's region lock. */
    private void take(long block, int entry, JournalBatch into) {
        assert head.locks().heldByCurrentThread(block);
        int crc = head.pending().remove(block);
        into.add(block, head.headState(entry), crc);
        head.index().set(block, BlockEntry.withDurability(entry, BlockEntry.INFLIGHT));
    }

    /** Puts taken records back after a failure before anything was synced, so a later flush retries them. */
    private void release(JournalBatch taken) {
        for (int i = 0; i < taken.size(); i++) {
            long block = taken.block(i);
            head.locks().lock(block, 1);
            try {
                int entry = head.index().get(block);
                assert BlockEntry.durability(entry) == BlockEntry.INFLIGHT;
                head.pending().put(block, taken.dataCrc(i));
                head.index().set(block, BlockEntry.withDurability(entry, BlockEntry.DIRTY));
            } finally {
                head.locks().unlock(block, 1);
            }
        }
        taken.clear();
    }

    private void sync() throws IOException {
        try {
            head.file().force();
            syncs.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            failure = e;
            LOG.atError().setMessage("fdatasync failed; volume stopped until the node restarts")
                    .addKeyValue("file", head.file().path()).setCause(e).log();
            if (DiskErrors.isNoSpace(e)) {
                throw DiskErrors.noSpace("syncing " + head.file().path().getFileName() + "; volume stopped", e);
            }
            throw new IOException("fdatasync of " + head.file().path().getFileName()
                    + " failed; the volume is stopped and will recover from the journal when reopened", e);
        }
    }

    private void confirmPrevious() {
        for (int i = 0; i < unconfirmedCount; i++) {
            promote(unconfirmed[i], BlockEntry.DURABLE);
        }
        unconfirmedCount = 0;
        if (unconfirmed.length > 4096) {
            unconfirmed = new long[64];
        }
    }

    private void promoteAll(JournalBatch taken) {
        for (int i = 0; i < taken.size(); i++) {
            promote(taken.block(i), BlockEntry.DURABLE);
        }
    }

    /**
     * INFLIGHT/UNCONFIRMED entries are changed only here (writers wait for them), so no region lock
     * is needed; the compare-and-set asserts that.
     */
    private void promote(long block, int durability) {
        ExtentIndex index = head.index();
        int entry = index.get(block);
        boolean swapped = index.compareAndSet(block, entry, BlockEntry.withDurability(entry, durability));
        assert swapped : "block " + block + " changed while its record was in flight";
    }

    private void addUnconfirmed(long block) {
        if (unconfirmedCount == unconfirmed.length) {
            unconfirmed = Arrays.copyOf(unconfirmed, unconfirmedCount * 2);
        }
        unconfirmed[unconfirmedCount++] = block;
    }
}
