package io.wharf.storage.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal region of a layer file: records appended one after another from the start of the
 * region until it is full; then the owner writes a checkpoint and {@link #restart}s the ring with a
 * new generation at its start. (It never wraps inside a generation, so replay is a forward scan.)
 *
 * <p>Appending only writes; the caller's single fdatasync of the layer file makes the record and
 * the data blocks it describes durable together. Not thread-safe: the layer's flush lock guards it.
 */
public final class JournalRing {
    private final FileChannel channel;
    private final long regionOffset;
    private final long regionBytes;
    private long writePosition;
    private long generation;
    private long nextSequence;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);

    public JournalRing(FileChannel channel, long regionOffset, long regionBytes, long generation, long nextSequence,
                       long writePosition) {
        assert regionOffset % JournalRecord.ALIGN_BYTES == 0 && regionBytes % JournalRecord.ALIGN_BYTES == 0;
        this.channel = channel;
        this.regionOffset = regionOffset;
        this.regionBytes = regionBytes;
        this.generation = generation;
        this.nextSequence = nextSequence;
        this.writePosition = writePosition;
    }

    public long generation() {
        return generation;
    }

    public long nextSequence() {
        return nextSequence;
    }

    /** Bytes of the region holding records of the current generation. */
    public long usedBytes() {
        return writePosition;
    }

    public long regionOffset() {
        return regionOffset;
    }

    public boolean fits(int entries) {
        return writePosition + JournalRecord.footprint(entries) <= regionBytes;
    }

    /**
     * Writes {@code batch} as the next record. On failure nothing advances: the bytes written, if
     * any, are a torn record that replay stops at and the next append overwrites.
     */
    public void append(JournalBatch batch) throws IOException {
        if (!fits(batch.size())) {
            throw new IllegalStateException("journal record of " + batch.size() + " entries does not fit");
        }
        int length = JournalRecord.length(batch.size());
        if (buffer.capacity() < length) {
            buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(length - 1) << 1);
        }
        JournalRecord.encode(buffer, generation, nextSequence, batch);
        long position = regionOffset + writePosition;
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
        writePosition += JournalRecord.footprint(batch.size());
        nextSequence++;
    }

    /** Starts a new generation at the start of the region, after a checkpoint made the old one redundant. */
    public void restart(long newGeneration) {
        assert newGeneration > generation;
        generation = newGeneration;
        writePosition = 0;
    }

    /**
     * Reads the records of {@code generation} from the start of the region, stopping at the first
     * one that is torn, stale (other generation), out of sequence, or does not fit.
     */
    public static Replay replay(FileChannel channel, long regionOffset, long regionBytes, long generation,
                                long firstSequence) throws IOException {
        List<JournalBatch> batches = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(JournalRecord.HEADER_BYTES);
        long position = 0;
        long sequence = firstSequence;
        while (position + JournalRecord.HEADER_BYTES <= regionBytes) {
            header.clear();
            if (!readFully(channel, header, regionOffset + position)) {
                break;
            }
            int length = JournalRecord.headerLength(header, generation, sequence, regionBytes - position);
            if (length < 0) {
                break;
            }
            ByteBuffer record = ByteBuffer.allocate(length);
            if (!readFully(channel, record, regionOffset + position)) {
                break;
            }
            JournalBatch batch = new JournalBatch();
            if (!JournalRecord.decode(record, batch)) {
                break;
            }
            batches.add(batch);
            position += JournalRecord.align(length);
            sequence++;
        }
        return new Replay(batches, position, sequence);
    }

    private static boolean readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position);
            if (n < 0) {
                return false;
            }
            position += n;
        }
        return true;
    }

    /**
     * What replay found.
     *
     * @param batches      valid records in order
     * @param endPosition  ring offset just after the last valid record
     * @param nextSequence the sequence the next record would carry
     */
    public record Replay(List<JournalBatch> batches, long endPosition, long nextSequence) {}
}
