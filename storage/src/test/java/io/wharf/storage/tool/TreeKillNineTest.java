package io.wharf.storage.tool;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.SnapshotInfo;
import io.wharf.storage.SnapshotVolume;
import io.wharf.storage.Volume;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real process crashes during snapshot create, snapshot delete, clone and revert: a child JVM runs
 * {@link TreeCrashWriter}; the test kills it with SIGKILL after a random number of tree operations
 * (so at a random point of the next write/flush/operation), reopens the pool and checks that the
 * interrupted operation is completely done or not at all, and that the volume, every snapshot
 * (through a view) and every clone hold exactly what the model says. More rounds:
 * {@code -Dwharf.crash.rounds=40}; a seed: {@code -Dwharf.seed=<seed>}.
 */
class TreeKillNineTest {
    private static final int VOLUME_BYTES = 1024 * 1024;
    private static final long JOURNAL_BYTES = 16 * 1024;
    private static final int ROUNDS = Integer.getInteger("wharf.crash.rounds", 6);

    @TempDir
    Path directory;

    @Test
    void everyTreeOperationIsAllOrNothingAcrossKillNine() throws Exception {
        long seed = Long.getLong("wharf.seed", System.nanoTime());
        System.out.println("TreeKillNineTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < ROUNDS; round++) {
            long roundSeed = seed + round;
            Path pool = directory.resolve("pool-" + round);
            int killAfter = 1 + random.nextInt(20);
            Child child = Child.start(directory, pool, roundSeed, round);
            child.killAfterOps(killAfter);
            String where = "seed " + seed + ", round " + round + ", killed after FLUSHED " + child.lastFlushed
                    + " / OP " + child.lastOp + " (child stderr: " + Files.readString(child.stderr) + ")";
            try {
                check(pool, roundSeed, child.lastFlushed, child.lastOp);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(where + ": " + e.getMessage(), e);
            }
        }
    }

    private static void check(Path poolDirectory, long seed, long lastFlushed, long lastOp) throws IOException {
        CrashWorkload workload = new CrashWorkload(seed, VOLUME_BYTES);
        TreeCrashModel model = new TreeCrashModel(VOLUME_BYTES);
        for (long k = 1; k <= lastFlushed; k++) {
            for (CrashWorkload.Op op : workload.step(k)) {
                CrashWorkload.apply(op, model.image());
            }
            if (k <= lastOp) {
                model.apply(model.opFor(k));
            }
        }
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults())) {
            Volume volume = pool.volume("crash").orElse(null);
            if (volume == null) {
                assertThat(lastFlushed).as("the volume exists once a flush returned").isZero();
                return;
            }
            if (lastOp == lastFlushed) {
                // the writes of the next step may be half done; no tree operation started
                model.image(CrashWorkload.verify(volume, model.image(), workload.step(lastFlushed + 1)));
            } else {
                // the tree operation of step lastFlushed may be done or not
                TreeCrashModel done = model.copy();
                done.apply(model.opFor(lastFlushed));
                model = matching(pool, volume, model, done, model.opFor(lastFlushed));
            }
            verify(pool, volume, model);
            // the pool keeps working after recovery: one more snapshot, then read it back
            pool.snapshot("crash", "after-crash");
            assertThat(read(pool.openSnapshot("crash", "after-crash"), true)).isEqualTo(model.image());
        }
    }

    private static TreeCrashModel matching(Pool pool, Volume volume, TreeCrashModel notDone, TreeCrashModel done,
                                           TreeCrashModel.TreeOp op) throws IOException {
        Set<String> snapshots = new TreeSet<>();
        for (SnapshotInfo info : pool.snapshots("crash")) {
            snapshots.add(info.id());
        }
        Set<String> clones = new TreeSet<>(pool.volumeIds());
        clones.remove("crash");
        boolean matchesDone = snapshots.equals(done.snapshots().keySet()) && clones.equals(done.clones().keySet());
        boolean matchesNotDone = snapshots.equals(notDone.snapshots().keySet()) && clones.equals(notDone.clones().keySet());
        assertThat(matchesDone || matchesNotDone).as("after " + op + ": snapshots " + snapshots + ", clones " + clones
                + " match neither " + notDone.snapshots().keySet() + notDone.clones().keySet() + " nor "
                + done.snapshots().keySet() + done.clones().keySet()).isTrue();
        if (matchesDone && matchesNotDone) { // revert or nothing: tell by content
            byte[] content = read(volume, false);
            if (Arrays.equals(content, done.image())) {
                return done;
            }
            assertThat(content).as("volume after " + op + " is neither before nor after it").isEqualTo(notDone.image());
            return notDone;
        }
        return matchesDone ? done : notDone;
    }

    private static void verify(Pool pool, Volume volume, TreeCrashModel model) throws IOException {
        assertThat(read(volume, false)).as("volume").isEqualTo(model.image());
        assertThat(pool.snapshots("crash")).extracting(SnapshotInfo::id)
                .containsExactlyInAnyOrderElementsOf(model.snapshots().keySet());
        for (Map.Entry<String, byte[]> snapshot : model.snapshots().entrySet()) {
            assertThat(read(pool.openSnapshot("crash", snapshot.getKey()), true)).as("snapshot " + snapshot.getKey())
                    .isEqualTo(snapshot.getValue());
        }
        Set<String> clones = new TreeSet<>(pool.volumeIds());
        clones.remove("crash");
        assertThat(clones).containsExactlyInAnyOrderElementsOf(model.clones().keySet());
        for (Map.Entry<String, byte[]> clone : model.clones().entrySet()) {
            assertThat(read(pool.volume(clone.getKey()).orElseThrow(), false)).as("clone " + clone.getKey())
                    .isEqualTo(clone.getValue());
        }
    }

    private static byte[] read(Volume volume, boolean close) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) volume.sizeBytes());
        volume.read(0, buffer);
        if (close) {
            ((SnapshotVolume) volume).close();
        }
        return buffer.array();
    }

    /** The child process and its stdout. */
    private static final class Child {
        final Process process;
        final BufferedReader stdout;
        final Path stderr;
        long lastFlushed;
        long lastOp;

        private Child(Process process, Path stderr) {
            this.process = process;
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            this.stderr = stderr;
        }

        static Child start(Path work, Path pool, long seed, int round) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>(List.of(java, "-ea", "--enable-native-access=ALL-UNNAMED",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xmx128m", "-cp", classPath,
                    TreeCrashWriter.class.getName(), pool.toString(), Long.toString(seed),
                    Integer.toString(VOLUME_BYTES), Long.toString(JOURNAL_BYTES)));
            Path stderr = work.resolve("tree-child-" + round + ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            return new Child(builder.start(), stderr);
        }

        private void consume(String line) {
            if (line.startsWith("FLUSHED ")) {
                lastFlushed = Long.parseLong(line.substring(8));
            } else if (line.startsWith("OP ")) {
                lastOp = Long.parseLong(line.substring(3));
            }
        }

        /** Reads {@code count} OP lines, kills, then reads what the child printed before dying. */
        void killAfterOps(int count) throws IOException, InterruptedException {
            int seen = 0;
            String line;
            while (seen < count && (line = stdout.readLine()) != null) {
                consume(line);
                if (line.startsWith("OP ")) {
                    seen++;
                }
            }
            if (seen < count) {
                throw new AssertionError("child ended early: " + Files.readString(stderr));
            }
            process.toHandle().destroyForcibly();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("child did not die");
            }
            while ((line = stdout.readLine()) != null) {
                consume(line);
            }
        }
    }
}
