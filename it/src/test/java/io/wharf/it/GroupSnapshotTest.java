package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.core.ByteSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group snapshot is one crash-consistent cut: a writer writes an increasing counter to several
 * volumes in turn, flushing after each write; in every group snapshot the counters never rise
 * along the ring and the first is at most one ahead of the last (with two volumes: they differ by
 * at most one, in the right order). A fifth volume in the group takes unflushed bulk writes, so
 * its snapshot (which flushes) is slow: taking the snapshots one after another without holding
 * I/O lets the ring writer move on in between, and the check fails.
 */
class GroupSnapshotTest {
    private static final int GROUPS = 20;
    private static final List<String> RING = List.of("v3", "v1", "v4", "v2");
    /** The group in the order it is requested: the slow bulk volume between two ring volumes. */
    private static final List<String> GROUP = List.of("v3", "bulk", "v1", "v4", "v2");

    @TempDir
    Path dir;

    @Test
    void everyGroupSnapshotIsAConsistentCut() throws Exception {
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"))) {
            for (String volume : RING) {
                node.api().createVolume(new VolumeCreate(volume, 16 * ByteSize.MIB, Map.of()));
            }
            node.api().createVolume(new VolumeCreate("bulk", 256 * ByteSize.MIB, Map.of()));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong counter = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                List<TinyNbdClient> clients = new java.util.ArrayList<>();
                try {
                    for (String volume : RING) {
                        clients.add(new TinyNbdClient(node.nbdPort, volume));
                    }
                    for (long c = 1; !stop.get(); c++) {
                        for (TinyNbdClient client : clients) {
                            client.write(0, counterBlock(c));
                            client.flush();
                        }
                        counter.set(c);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    for (TinyNbdClient client : clients) {
                        try {
                            client.close();
                        } catch (IOException e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                }
            });
            Thread bulk = Thread.ofPlatform().start(() -> {
                byte[] chunk = new byte[1 << 20];
                try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "bulk")) {
                    for (long i = 0; !stop.get(); i++) {
                        chunk[0] = (byte) i;
                        client.write((i % 256) << 20, chunk); // never flushed: the snapshot's flush pays
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            try {
                for (int g = 0; g < GROUPS; g++) {
                    long before = counter.get();
                    Conditions.await("the writer to move on", java.time.Duration.ofSeconds(30),
                            () -> counter.get() > before + 2 || failure.get() != null);
                    List<SnapshotInfo> group = node.api().createGroupSnapshot("g" + g, GROUP);
                    assertThat(group).extracting(SnapshotInfo::volume).containsExactlyInAnyOrderElementsOf(GROUP);
                }
            } finally {
                stop.set(true);
                writer.join();
                bulk.join();
            }
            assertThat(failure.get()).as("the writer saw no error while groups were taken").isNull();
            long lastFirst = 0;
            for (int g = 0; g < GROUPS; g++) {
                long[] counters = new long[RING.size()];
                for (int i = 0; i < RING.size(); i++) {
                    counters[i] = readCounter(node, RING.get(i) + "@g" + g);
                }
                String seen = "group g" + g + " holds " + java.util.Arrays.toString(counters) + " along " + RING;
                for (int i = 1; i < counters.length; i++) {
                    assertThat(counters[i]).as(seen).isLessThanOrEqualTo(counters[i - 1]);
                }
                assertThat(counters[0] - counters[counters.length - 1]).as(seen).isBetween(0L, 1L);
                assertThat(counters[0]).as("groups advance").isGreaterThanOrEqualTo(lastFirst);
                lastFirst = counters[0];
            }
            assertThat(lastFirst).as("the writer made progress across the groups").isGreaterThan(GROUPS);
        }
    }

    private static byte[] counterBlock(long counter) {
        return ByteBuffer.allocate(4096).putLong(counter).putLong(~counter).array();
    }

    private static long readCounter(NodeProcess node, String export) throws IOException {
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, export)) {
            ByteBuffer block = ByteBuffer.wrap(client.read(0, 4096));
            long counter = block.getLong();
            assertThat(block.getLong()).as("%s holds a whole counter block", export).isEqualTo(~counter);
            return counter;
        }
    }
}
