package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.core.ByteSize;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the node while a snapshot create, snapshot delete, clone, revert or group
 * snapshot is under way: after the restart each operation has happened completely or not at all
 * (a group on every volume or on none), and every volume and snapshot reads exactly one consistent
 * state.
 */
class SnapshotCrashTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4;
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    /** The content of the test volume's first blocks: one write id per block. */
    record State(long[] writeIds) {
        static State of(long first) {
            long[] ids = new long[BLOCKS];
            for (int i = 0; i < BLOCKS; i++) {
                ids[i] = first + i;
            }
            return new State(ids);
        }
    }

    @Test
    void snapshotOperationsAreAllOrNothingUnderKill9() throws Exception {
        long seed = Long.getLong("wharf.seed", System.nanoTime());
        System.out.println("SnapshotCrashTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"))) {
            node.api().createVolume(new VolumeCreate("vol", 16 * ByteSize.MIB, Map.of()));
            State base = State.of(100);
            writeState(node, "vol", base);
            node.api().createSnapshot("vol", "base");
            State current = State.of(200);
            writeState(node, "vol", current);
            node.api().createVolume(new VolumeCreate("other", 16 * ByteSize.MIB, Map.of()));
            State other = State.of(500);
            writeState(node, "other", other);
            for (int round = 0; round < ROUNDS; round++) {
                int op = round % 5;
                String name = "r" + round;
                String older = "r" + (round - 3);
                Thread call = Thread.ofVirtual().start(() -> {
                    try {
                        switch (op) {
                            case 0 -> node.api().createSnapshot("vol", name);
                            case 1 -> node.api().cloneVolume("vol", "base", name, Map.of());
                            case 2 -> node.api().revertVolume("vol", "base", true);
                            case 3 -> node.api().deleteSnapshot("vol", older);
                            default -> node.api().createGroupSnapshot(name, List.of("vol", "other"));
                        }
                    } catch (RuntimeException expected) {
                        // the node died under the call
                    }
                });
                // The crash lands at a random moment of the operation.
                // A group holds I/O on two volumes and takes longer, so its window is wider.
                int delayMicros = random.nextInt(op == 4 ? 250_000 : 120_000);
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(delayMicros));
                node.kill9();
                call.join();
                node.start();
                String seedNote = "seed " + seed + " round " + round + " (kill after " + delayMicros / 1000 + " ms)";
                switch (op) {
                    case 0 -> {
                        List<String> names = node.api().listSnapshots("vol").stream().map(SnapshotInfo::name).toList();
                        System.out.println(seedNote + " create: " + (names.contains(name) ? "done" : "not done"));
                        if (names.contains(name)) {
                            assertState(node, "vol@" + name, current, seedNote);
                        }
                    }
                    case 1 -> {
                        List<String> volumes = node.api().listVolumes().stream().map(VolumeInfo::name).toList();
                        System.out.println(seedNote + " clone: " + (volumes.contains(name) ? "done" : "not done"));
                        if (volumes.contains(name)) {
                            assertState(node, name, base, seedNote);
                        }
                    }
                    case 2 -> {
                        State now = readState(node, "vol");
                        boolean untouched = java.util.Arrays.equals(now.writeIds(), current.writeIds());
                        boolean reverted = java.util.Arrays.equals(now.writeIds(), base.writeIds());
                        assertThat(untouched || reverted).as("%s: revert all or nothing; volume holds %s", seedNote,
                                java.util.Arrays.toString(now.writeIds())).isTrue();
                        System.out.println(seedNote + " revert: " + (reverted ? "done" : "not done"));
                        current = now;
                    }
                    case 3 -> {
                        String deleted = "r" + (round - 3);
                        List<String> names = node.api().listSnapshots("vol").stream().map(SnapshotInfo::name).toList();
                        System.out.println(seedNote + " delete: " + (names.contains(deleted) ? "not done" : "done"));
                        if (names.contains(deleted)) {
                            assertThat(TinyNbdClientProbe.exists(node.nbdPort, "vol@" + deleted)).isTrue();
                        }
                    }
                    default -> {
                        boolean onVol = names(node, "vol").contains(name);
                        boolean onOther = names(node, "other").contains(name);
                        System.out.println(seedNote + " group: " + (onVol ? "done" : "not done"));
                        assertThat(onVol).as("%s: group snapshot on every volume or on none", seedNote).isEqualTo(onOther);
                        if (onVol) {
                            assertState(node, "vol@" + name, current, seedNote);
                            assertState(node, "other@" + name, other, seedNote);
                        }
                    }
                }
                assertState(node, "vol@base", base, seedNote);
                assertThat(node.api().listVolumes()).extracting(VolumeInfo::state).allMatch("available"::equals);
                current = State.of(300 + 10L * round);
                writeState(node, "vol", current);
            }
        }
    }

    private static List<String> names(NodeProcess node, String volume) {
        return node.api().listSnapshots(volume).stream().map(SnapshotInfo::name).toList();
    }

    private static void writeState(NodeProcess node, String export, State state) throws IOException {
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, export)) {
            for (int i = 0; i < BLOCKS; i++) {
                client.write((long) i * BLOCK, CrashTest.content(i, state.writeIds()[i]));
            }
            client.flush();
        }
    }

    private static State readState(NodeProcess node, String export) throws IOException {
        long[] ids = new long[BLOCKS];
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, export)) {
            for (int i = 0; i < BLOCKS; i++) {
                byte[] data = client.read((long) i * BLOCK, BLOCK);
                ids[i] = java.nio.ByteBuffer.wrap(data).getLong();
                assertThat(data).as("%s block %d is one whole write", export, i).isEqualTo(CrashTest.content(i, ids[i]));
            }
        }
        return new State(ids);
    }

    private static void assertState(NodeProcess node, String export, State expected, String note) throws IOException {
        assertThat(readState(node, export).writeIds()).as("%s: %s", note, export).containsExactly(expected.writeIds());
    }
}
