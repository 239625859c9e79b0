package io.wharf.storage.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalRingTest {
    private static final long REGION = 4096;
    private static final long BYTES = 16 * 1024;

    @TempDir
    Path directory;

    @Test
    void replayReturnsAppendedRecordsInOrderAndStopsAtTheEnd() throws IOException {
        try (FileChannel channel = open()) {
            JournalRing ring = new JournalRing(channel, REGION, BYTES, 3, 10, 0);
            ring.append(batch(1, 2, 3));
            ring.append(new JournalBatch()); // an empty, confirming record
            ring.append(batch(99));
            assertThat(ring.nextSequence()).isEqualTo(13);
            JournalRing.Replay replay = JournalRing.replay(channel, REGION, BYTES, 3, 10);
            assertThat(replay.batches()).hasSize(3);
            assertThat(replay.batches().get(0).size()).isEqualTo(3);
            assertThat(replay.batches().get(0).block(2)).isEqualTo(3);
            assertThat(replay.batches().get(0).dataCrc(2)).isEqualTo(3 * 31); // DATA keeps its checksum
            assertThat(replay.batches().get(0).dataCrc(1)).isZero(); // others carry none
            assertThat(replay.batches().get(1).isEmpty()).isTrue();
            assertThat(replay.batches().get(2).state(0)).isEqualTo(BlockState.DATA);
            assertThat(replay.endPosition()).isEqualTo(ring.usedBytes()).isEqualTo(3 * 512);
            assertThat(replay.nextSequence()).isEqualTo(13);
        }
    }

    @Test
    void replayStopsAtTornStaleOrOutOfSequenceRecords() throws IOException {
        try (FileChannel channel = open()) {
            JournalRing ring = new JournalRing(channel, REGION, BYTES, 1, 1, 0);
            for (int i = 0; i < 5; i++) {
                ring.append(batch(i));
            }
            // a new generation restarts at the front; older records beyond it are stale
            ring.restart(2);
            ring.append(batch(50));
            ring.append(batch(51));
            assertThat(JournalRing.replay(channel, REGION, BYTES, 2, 6).batches()).hasSize(2);
            assertThat(JournalRing.replay(channel, REGION, BYTES, 1, 1).batches()).isEmpty(); // overwritten
            assertThat(JournalRing.replay(channel, REGION, BYTES, 2, 7).batches()).isEmpty(); // wrong sequence
            // tear the second record: one bit in its entries
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, REGION + 512 + JournalRecord.HEADER_BYTES);
            one.put(0, (byte) (one.get(0) ^ 1)).clear();
            channel.write(one, REGION + 512 + JournalRecord.HEADER_BYTES);
            JournalRing.Replay replay = JournalRing.replay(channel, REGION, BYTES, 2, 6);
            assertThat(replay.batches()).hasSize(1);
            assertThat(replay.endPosition()).isEqualTo(512);
        }
    }

    @Test
    void aRingKnowsWhenItIsFull() throws IOException {
        try (FileChannel channel = open()) {
            JournalRing ring = new JournalRing(channel, REGION, 8192, 1, 1, 0);
            long[] blocks = new long[(8192 - 32) / 16];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = i;
            }
            assertThat(ring.fits(blocks.length)).isTrue();
            assertThat(ring.fits(blocks.length + 1)).isFalse();
            ring.append(batch(blocks));
            assertThat(ring.fits(0)).isFalse();
            assertThat(JournalRing.replay(channel, REGION, 8192, 1, 1).batches().getFirst().size()).isEqualTo(blocks.length);
        }
    }

    @Test
    void replayOfAShortFileEndsCleanly() throws IOException {
        try (FileChannel channel = open()) {
            assertThat(JournalRing.replay(channel, REGION, BYTES, 1, 1).batches()).isEmpty();
        }
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(directory.resolve("ring"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    private static JournalBatch batch(long... blocks) {
        JournalBatch batch = new JournalBatch();
        for (long block : blocks) {
            batch.add(block, block % 3 == 0 ? BlockState.DATA : block % 3 == 1 ? BlockState.ZERO : BlockState.ABSENT,
                    (int) block * 31);
        }
        return batch;
    }
}
