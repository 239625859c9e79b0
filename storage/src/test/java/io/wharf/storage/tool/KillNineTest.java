package io.wharf.storage.tool;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real process crashes: a child JVM runs {@link CrashWriter}; the test reads its "FLUSHED n" lines,
 * kills it with SIGKILL ({@link Process#destroyForcibly}) after a random number of them (so at a
 * random point of its write/flush/checkpoint loop), reopens the pool in this JVM and checks that
 * every block holds its content after the last reported flush, or the next step's content. The
 * next round continues on the same pool from what was found.
 */
class KillNineTest {
    private static final long VOLUME_BYTES = 4L * 1024 * 1024;
    private static final long JOURNAL_BYTES = 16 * 1024; // checkpoints every few dozen flushes
    private static final int ROUNDS = Integer.getInteger("wharf.crash.rounds", 5);

    @TempDir
    Path directory;

    @Test
    void everyFlushedStepSurvivesKillNine() throws Exception {
        long seed = Long.getLong("wharf.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        CrashWorkload workload = new CrashWorkload(seed, VOLUME_BYTES);
        Path pool = directory.resolve("pool");
        byte[] image = new byte[(int) VOLUME_BYTES];
        long nextSequence = 1;
        for (int round = 0; round < ROUNDS; round++) {
            int killAfter = 1 + random.nextInt(60);
            Child child = Child.start(directory, pool, seed, nextSequence, round);
            long lastFlushed = child.killAfterFlushes(killAfter);
            String where = "seed " + seed + ", round " + round + ", killed after FLUSHED " + lastFlushed
                    + " (child stderr: " + child.stderr + ")";
            for (long sequence = nextSequence; sequence <= lastFlushed; sequence++) {
                for (CrashWorkload.Op op : workload.step(sequence)) {
                    CrashWorkload.apply(op, image);
                }
            }
            try (Pool reopened = Pool.open(pool, PoolConfig.defaults())) {
                Volume volume = reopened.volume("crash").orElse(null);
                if (volume == null) {
                    // killed before create returned: nothing was flushed, the volume must not half-exist
                    assertThat(lastFlushed).as(where).isLessThan(nextSequence);
                    continue;
                }
                try {
                    image = CrashWorkload.verify(volume, image, workload.step(lastFlushed + 1));
                } catch (IllegalStateException e) {
                    throw new AssertionError(where + ": " + e.getMessage(), e);
                }
            }
            nextSequence = lastFlushed + 2; // step lastFlushed + 1 may be half done; the image now includes it
        }
    }

    @Test
    void poolLockIsExclusiveAcrossProcessesAndDiesWithTheProcess() throws Exception {
        Path pool = directory.resolve("pool");
        Child child = Child.start(directory, pool, 7, 1, 0);
        try {
            child.awaitFlushes(1);
            try {
                Pool.open(pool, PoolConfig.defaults()).close();
                throw new AssertionError("opened a pool another process holds");
            } catch (WharfException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.DATA_DIR_LOCKED);
            }
        } finally {
            child.kill();
        }
        Pool.open(pool, PoolConfig.defaults()).close(); // SIGKILL released the lock
    }

    /** The child process and its stdout. */
    private static final class Child {
        final Process process;
        final BufferedReader stdout;
        final Path stderr;
        long lastFlushed;

        private Child(Process process, Path stderr, long firstSequence) {
            this.process = process;
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            this.stderr = stderr;
            this.lastFlushed = firstSequence - 1;
        }

        static Child start(Path work, Path pool, long seed, long firstSequence, int round) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>(List.of(java, "-ea", "--enable-native-access=ALL-UNNAMED",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xmx64m", "-cp", classPath, CrashWriter.class.getName(),
                    pool.toString(), "crash", Long.toString(seed), Long.toString(firstSequence),
                    Long.toString(VOLUME_BYTES), Long.toString(JOURNAL_BYTES)));
            Path stderr = work.resolve("child-" + round + ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
            return new Child(builder.start(), stderr, firstSequence);
        }

        void awaitFlushes(int count) throws IOException {
            int seen = 0;
            String line;
            while (seen < count && (line = stdout.readLine()) != null) {
                if (line.startsWith("FLUSHED ")) {
                    lastFlushed = Long.parseLong(line.substring(8));
                    seen++;
                }
            }
            if (seen < count) {
                throw new AssertionError("child ended early: " + Files.readString(stderr));
            }
        }

        /** Reads {@code count} FLUSHED lines, kills, then reads what the child printed before dying. */
        long killAfterFlushes(int count) throws IOException, InterruptedException {
            awaitFlushes(count);
            kill();
            String line;
            while ((line = stdout.readLine()) != null) {
                if (line.startsWith("FLUSHED ")) {
                    lastFlushed = Long.parseLong(line.substring(8));
                }
            }
            return lastFlushed;
        }

        void kill() throws InterruptedException {
            // SIGKILL; through the handle, because Process.destroyForcibly() also closes our end of
            // stdout and we still need the lines the child printed just before it died.
            process.toHandle().destroyForcibly();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("child did not die");
            }
        }
    }
}
