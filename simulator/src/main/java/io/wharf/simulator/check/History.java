package io.wharf.simulator.check;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the workload asked and was told, per 4 KiB block, and the checkers that judge what it
 * reads and what it is acknowledged against it:
 * <ul>
 *   <li><b>durability</b> (a): a read returns, per block, the last write covered by an acknowledged
 *       flush or a write issued after it, never an older one, never a torn or foreign block. A flush
 *       covers the writes its own target acknowledged before the flush was sent: a write another
 *       target acknowledged and never flushed may have died with that target's replicas (NBD's
 *       contract: unflushed writes may be lost in a crash);</li>
 *   <li><b>fencing</b> (c): no write sent to a target after a newer epoch's target started serving is
 *       ever acknowledged;</li>
 *   <li><b>read your writes</b>: while one target serves, a read sent after a write to the same block
 *       was acknowledged by that target returns that write or a later one.</li>
 * </ul>
 * A revert to a snapshot counts as a write of every block with what the snapshot holds there.
 * Convergence (b) is checked by the simulation at the end, comparing the replicas' bytes.
 */
public final class History {
    public record Violation(String checker, long atNanos, String detail) {
        @Override
        public String toString() {
            return String.format("[%s at %.6f s] %s", checker, atNanos / 1e9, detail);
        }
    }

    public enum State { PENDING, ACKED, FAILED, UNKNOWN }

    /** One write or trim (zeros) of whole blocks. */
    public static final class Write {
        public final long id;
        public final int firstBlock;
        public final int blockCount;
        public final boolean zeros;
        public final long issuedAt;
        public final Object target;
        public final long epoch;
        /** Of a revert: per block, the write the snapshot holds there (0: zeros); null for a write or trim. */
        private final long[] values;
        private final int[] index;
        private State state = State.PENDING;

        private Write(long id, int firstBlock, int blockCount, boolean zeros, long issuedAt, Object target, long epoch, long[] values) {
            this.id = id;
            this.firstBlock = firstBlock;
            this.blockCount = blockCount;
            this.zeros = zeros;
            this.issuedAt = issuedAt;
            this.target = target;
            this.epoch = epoch;
            this.values = values;
            this.index = new int[blockCount];
        }

        /** What a block reads once this landed: the write's id, 0 for zeros, or what a revert brought back. */
        long value(int block) {
            return values != null ? values[block - firstBlock] : zeros ? 0 : id;
        }

        public State state() {
            return state;
        }
    }

    /** What was acknowledged when a flush was sent. */
    public record FlushMark(int[] ackedIndex) {}

    /** The floors a read must respect, taken when it was sent. */
    public record ReadMark(int firstBlock, int blockCount, int[] durableFloor, int[] ownFloor, long issuedAt, String via) {}

    private final List<List<Write>> perBlock = new ArrayList<>();
    private final int[] durable;
    /** Per target instance: per block, the index of the last write it acknowledged. */
    private final Map<Object, int[]> ackedBy = new java.util.IdentityHashMap<>();
    private final Map<Long, Long> servingSince = new TreeMap<>();
    private final List<Violation> violations = new ArrayList<>();
    private long nextWriteId = 1;
    private long acknowledgedWrites;
    private long acknowledgedFlushes;
    private long checkedReads;
    private long acknowledgedReverts;

    public History(int blocks) {
        for (int i = 0; i < blocks; i++) {
            perBlock.add(new ArrayList<>());
        }
        durable = new int[blocks];
        Arrays.fill(durable, -1);
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    public void violation(String checker, long now, String detail) {
        violations.add(new Violation(checker, now, detail));
    }

    public String stats() {
        return acknowledgedWrites + " writes acknowledged, " + acknowledgedFlushes + " flushes, " + acknowledgedReverts + " reverts, "
                + checkedReads + " reads checked";
    }

    /** The target of {@code epoch} serves from {@code now} on. */
    public void serving(long epoch, long now) {
        servingSince.putIfAbsent(epoch, now);
    }

    public Write issue(int firstBlock, int blockCount, boolean zeros, long now, Object target, long epoch) {
        return add(new Write(nextWriteId++, firstBlock, blockCount, zeros, now, target, epoch, null));
    }

    /**
     * A revert to a snapshot sent to {@code target} (with no client request in flight): from block 0 on,
     * each block then reads what the snapshot holds there, {@code values} (a write's id, 0 for zeros).
     * Until it is acknowledged ({@link #revertAcked}) reads may return either that or what was there.
     */
    public Write issueRevert(long[] values, long now, Object target, long epoch) {
        return add(new Write(nextWriteId++, 0, values.length, false, now, target, epoch, values.clone()));
    }

    /** The revert is done, durably, on every replica that stays in sync: reads see it from now on. */
    public void revertAcked(Write revert) {
        revert.state = State.ACKED;
        acknowledgedReverts++;
        int[] acked = ackedOf(revert.target);
        for (int i = 0; i < revert.blockCount; i++) {
            durable[i] = Math.max(durable[i], revert.index[i]);
            acked[i] = Math.max(acked[i], revert.index[i]);
        }
    }

    private Write add(Write write) {
        int firstBlock = write.firstBlock;
        int blockCount = write.blockCount;
        for (int i = 0; i < blockCount; i++) {
            List<Write> list = perBlock.get(firstBlock + i);
            write.index[i] = list.size();
            list.add(write);
        }
        return write;
    }

    public void acked(Write write, long now) {
        write.state = State.ACKED;
        acknowledgedWrites++;
        servingSince.forEach((epoch, since) -> {
            if (epoch > write.epoch && since <= write.issuedAt) {
                violation("fencing", now, "write " + write.id + " sent at " + seconds(write.issuedAt) + " to the target of epoch "
                        + write.epoch + " was acknowledged, though epoch " + epoch + " served since " + seconds(since));
            }
        });
        int[] acked = ackedOf(write.target);
        for (int i = 0; i < write.blockCount; i++) {
            int block = write.firstBlock + i;
            acked[block] = Math.max(acked[block], write.index[i]);
        }
    }

    private int[] ackedOf(Object target) {
        return ackedBy.computeIfAbsent(target, _ -> {
            int[] none = new int[durable.length];
            Arrays.fill(none, -1);
            return none;
        });
    }

    public void ended(Write write, State state) {
        if (write.state == State.PENDING) {
            write.state = state;
        }
    }

    /** A flush sent to {@code target}: it covers what that target has acknowledged so far. */
    public FlushMark flushIssued(Object target) {
        return new FlushMark(ackedOf(target).clone());
    }

    public void flushAcked(FlushMark mark) {
        acknowledgedFlushes++;
        for (int block = 0; block < durable.length; block++) {
            durable[block] = Math.max(durable[block], mark.ackedIndex()[block]);
        }
    }

    public ReadMark readIssued(int firstBlock, int blockCount, Object target, long now, String via) {
        int[] durableFloor = new int[blockCount];
        int[] ownFloor = new int[blockCount];
        int[] acked = ackedOf(target);
        for (int i = 0; i < blockCount; i++) {
            int block = firstBlock + i;
            durableFloor[i] = durable[block];
            ownFloor[i] = acked[block];
        }
        return new ReadMark(firstBlock, blockCount, durableFloor, ownFloor, now, via);
    }

    /** Checks the data a read returned ({@code data} from its position: the blocks in order). */
    public void readDone(ReadMark mark, ByteBuffer data, long now) {
        checkedReads++;
        for (int i = 0; i < mark.blockCount(); i++) {
            int block = mark.firstBlock() + i;
            long seen = BlockPattern.identify(data.slice(data.position() + i * BlockPattern.BLOCK, BlockPattern.BLOCK), block);
            String where = "block " + block + " read at " + seconds(mark.issuedAt()) + " via " + mark.via();
            if (seen == BlockPattern.CORRUPT) {
                violation("durability", now, where + " is torn or foreign: neither zeros nor one write's pattern");
                continue;
            }
            check("durability", block, seen, mark.durableFloor()[i], where, now, "the last write covered by an acknowledged flush");
            check("read-your-writes", block, seen, mark.ownFloor()[i], where, now, "a write this target had acknowledged");
        }
    }

    /**
     * {@code seen} (a write's id, or 0 for zeros) must be what a write at or after {@code floor} left in the
     * block (or zeros, before any write at all when there is no floor).
     */
    private void check(String checker, int block, long seen, int floor, String where, long now, String floorMeaning) {
        List<Write> writes = perBlock.get(block);
        if (seen == 0 && floor < 0) {
            return;
        }
        for (int i = Math.max(floor, 0); i < writes.size(); i++) {
            if (writes.get(i).value(block) == seen) {
                return;
            }
        }
        boolean older = seen == 0 || writes.subList(0, Math.max(floor, 0)).stream().anyMatch(w -> w.value(block) == seen);
        if (older) {
            violation(checker, now, where + (seen == 0 ? " reads zeros" : " returns write " + seen) + ", older than " + floorMeaning
                    + " (write " + writes.get(floor).id + ")");
        } else if (checker.equals("durability")) {
            violation(checker, now, where + " returns write " + seen + ", which never wrote that block");
        }
    }

    private static String seconds(long nanos) {
        return String.format("%.6f s", nanos / 1e9);
    }
}
