package io.wharf.metadata.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.metadata.KeyValue;
import io.wharf.metadata.ManualClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at an arbitrary moment: a child JVM ({@link CrashingWriterMain}) commits puts from
 * several threads and prints each acknowledged one; the test SIGKILLs it after a random number
 * of them, reopens the store and checks that every printed commit is there. Several rounds
 * over the same directory, so later rounds also recover from earlier crashes, and the child's
 * small snapshot threshold puts log rolls and snapshots in the line of fire.
 */
@Timeout(120)
class EmbeddedStoreCrashTest {
    private static final int ROUNDS = 6;
    private static final int WRITERS = 4;

    @TempDir
    Path directory;

    @TempDir
    Path scratch;

    @Test
    void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
        long seed = Long.getLong("wharf.test.seed", System.nanoTime());
        Random random = new Random(seed);
        List<List<Long>> committedByRound = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            int killAfter = round == 0 ? 1 : 10 + random.nextInt(300);
            committedByRound.add(runAndKill(round, killAfter, seed));
            verify(committedByRound, seed);
        }
    }

    private List<Long> runAndKill(int round, int killAfter, long seed) throws IOException, InterruptedException {
        Path stderr = scratch.resolve("child-" + round + ".err");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"),
                CrashingWriterMain.class.getName(), directory.toString(), String.valueOf(round), String.valueOf(WRITERS))
                .redirectError(stderr.toFile())
                .start();
        List<Long> committed = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (committed.size() < killAfter && (line = out.readLine()) != null) {
                parse(line).ifPresent(committed::add);
            }
            // SIGKILL, as Process.destroyForcibly() sends, but through the handle: Process's own
            // destroy also closes our end of the pipe, losing acknowledged lines still in it.
            child.toHandle().destroyForcibly();
            child.waitFor();
            // Lines printed before the kill were acknowledged too; the pipe ends where the child died.
            while ((line = out.readLine()) != null) {
                parse(line).ifPresent(committed::add);
            }
        } finally {
            child.destroyForcibly();
        }
        assertThat(committed).as("child of round %d (seed %d) stopped early; stderr:%n%s", round, seed,
                Files.readString(stderr)).hasSizeGreaterThanOrEqualTo(killAfter);
        return committed;
    }

    private void verify(List<List<Long>> committedByRound, long seed) {
        try (EmbeddedStore store = EmbeddedStore.open(EmbeddedStoreConfig.defaults(directory), new ManualClock())) {
            for (int round = 0; round < committedByRound.size(); round++) {
                for (long n : committedByRound.get(round)) {
                    Optional<KeyValue> kv = store.get(CrashingWriterMain.key(round, n));
                    assertThat(kv).as("acknowledged write %d of round %d (seed %d)", n, round, seed)
                            .map(KeyValue::valueString).contains(CrashingWriterMain.VALUE + n);
                }
            }
            List<KeyValue> all = store.range(CrashingWriterMain.PREFIX);
            assertThat(all).as("each put is one revision and one new key (seed %d)", seed).hasSize((int) store.revision());
        }
    }

    private static Optional<Long> parse(String line) {
        return line.startsWith("COMMITTED ") ? Optional.of(Long.parseLong(line.substring("COMMITTED ".length())))
                : Optional.empty();
    }
}
