package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.VolumeCreate;
import io.wharf.core.ByteSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD's durability contract under {@code kill -9}: a client writes and flushes while the node is
 * killed at random moments; after each restart every write covered by an acknowledged flush reads
 * back intact, and every other block holds one whole write (old or new, never a mix).
 */
class CrashTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 8192;
    private static final int ROUNDS = 6;

    @TempDir
    Path dir;

    @Test
    void flushedWritesSurviveKill9AtRandomMoments() throws Exception {
        long seed = Long.getLong("wharf.seed", System.nanoTime());
        System.out.println("CrashTest seed " + seed + " (rerun with -Dwharf.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        Map<Integer, Long> durable = new HashMap<>();
        Map<Integer, List<Long>> unflushed = new HashMap<>();
        long nextWriteId = 1;
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"))) {
            node.api().createVolume(new VolumeCreate("crash", 64 * ByteSize.MIB, Map.of()));
            for (int round = 0; round < ROUNDS; round++) {
                // The crash comes at a random write, from another thread, while this one keeps writing.
                int killAtWrite = 50 + random.nextInt(3000);
                Thread killer = null;
                int writes = 0;
                try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "crash")) {
                    List<int[]> pendingBlocks = new ArrayList<>();
                    List<Long> pendingIds = new ArrayList<>();
                    while (true) {
                        int block = random.nextInt(BLOCKS);
                        long id = nextWriteId++;
                        unflushed.computeIfAbsent(block, b -> new ArrayList<>()).add(id);
                        pendingBlocks.add(new int[] {block});
                        pendingIds.add(id);
                        if (writes == killAtWrite) {
                            killer = Thread.ofVirtual().start(() -> {
                                try {
                                    node.kill9();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            });
                        }
                        client.write((long) block * BLOCK, content(block, id));
                        writes++;
                        if (random.nextInt(8) == 0) {
                            client.flush();
                            for (int i = 0; i < pendingIds.size(); i++) {
                                int b = pendingBlocks.get(i)[0];
                                durable.put(b, pendingIds.get(i));
                                unflushed.get(b).remove(pendingIds.get(i));
                            }
                            pendingBlocks.clear();
                            pendingIds.clear();
                        }
                    }
                } catch (IOException expected) {
                    // the node died under the client
                }
                assertThat(killer).as("round %d reached the kill", round).isNotNull();
                killer.join();
                node.start();
                verifyAndSettle(node, durable, unflushed, seed);
            }
        }
    }

    /** Checks every block against the model, then flushes and takes what it read as durable. */
    private static void verifyAndSettle(NodeProcess node, Map<Integer, Long> durable,
            Map<Integer, List<Long>> unflushed, long seed) throws IOException {
        Set<Integer> touched = new HashSet<>(durable.keySet());
        unflushed.forEach((block, ids) -> {
            if (!ids.isEmpty()) {
                touched.add(block);
            }
        });
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "crash")) {
            Map<Integer, Long> observed = new HashMap<>();
            for (int block : touched) {
                byte[] data = client.read((long) block * BLOCK, BLOCK);
                long id = ByteBuffer.wrap(data).getLong();
                Set<Long> allowed = new HashSet<>(unflushed.getOrDefault(block, List.of()));
                Long durableId = durable.get(block);
                if (durableId != null) {
                    allowed.add(durableId);
                }
                if (id == 0 && durableId == null) {
                    assertThat(data).as("seed %d: never-flushed block %d reads zeros or a whole write", seed, block)
                            .isEqualTo(new byte[BLOCK]);
                    continue;
                }
                assertThat(allowed).as("seed %d: block %d holds write %d; flushed %s, unflushed since %s", seed, block,
                        id, durableId, unflushed.get(block)).contains(id);
                assertThat(data).as("seed %d: block %d holds write %d whole", seed, block, id).isEqualTo(content(block, id));
                observed.put(block, id);
            }
            client.flush();
            durable.putAll(observed);
            unflushed.clear();
        }
    }

    static byte[] content(int block, long writeId) {
        byte[] data = new byte[BLOCK];
        ByteBuffer buffer = ByteBuffer.wrap(data);
        buffer.putLong(writeId).putLong(block);
        SplittableRandom fill = new SplittableRandom(writeId * 1_000_003L + block);
        while (buffer.remaining() >= 8) {
            buffer.putLong(fill.nextLong());
        }
        return data;
    }
}
