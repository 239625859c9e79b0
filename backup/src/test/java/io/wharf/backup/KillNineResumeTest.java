package io.wharf.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.backup.target.BackupTarget;
import io.wharf.backup.target.DirectoryTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process killed with SIGKILL half-way through a backup ({@link ResumeChild}, with a bandwidth
 * limit so that it is slow), then the same backup id resumed in this JVM: chunks already in the
 * target are not uploaded again, the backup completes, and the restore equals the image.
 */
class KillNineResumeTest {
    private static final int IMAGE_BYTES = 16 * 1024 * 1024; // 64 chunks of 256 KiB
    private static final long BANDWIDTH = 4L * 1024 * 1024;
    private static final int KILL_AFTER_CHUNKS = 12;
    private static S3ProxyServer server;

    @TempDir
    Path directory;
    private Process child;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.toHandle().destroyForcibly();
            child.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void killedBackupToADirectoryResumesWithoutUploadingAgain() throws Exception {
        Path targetDirectory = Files.createDirectory(directory.resolve("target"));
        Path image = image();
        killHalfWay(() -> new DirectoryTarget(targetDirectory),
                List.of("dir", targetDirectory.toString(), image.toString(), "resumed-1", Long.toString(BANDWIDTH)), image);
    }

    @Test
    void killedBackupToS3ResumesWithoutUploadingAgain() throws Exception {
        server.createBucket("resume-bucket");
        Path image = image();
        killHalfWay(() -> server.spec("resume-bucket", "resume").open(),
                List.of("s3", server.endpoint.toString(), "resume-bucket", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY,
                        image.toString(), "resumed-1", Long.toString(BANDWIDTH)), image);
    }

    private void killHalfWay(Supplier<BackupTarget> targets, List<String> arguments, Path image) throws Exception {
        Path stderr = directory.resolve("child.err");
        child = start(arguments, stderr);
        try (BackupTarget observer = targets.get()) {
            Poll.until(Duration.ofSeconds(60), KILL_AFTER_CHUNKS + " chunks uploaded by the child", () -> {
                if (!child.isAlive()) {
                    throw new AssertionError("child ended early: " + read(stderr));
                }
                return observer.list("chunks/").size() >= KILL_AFTER_CHUNKS;
            });
        }
        child.toHandle().destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

        CountingTarget target = new CountingTarget(targets.get());
        try (BackupEngine engine = BackupEngine.open(target, BackupContractTest.config(), null);
             FileVolume source = FileVolume.openForReading(image)) {
            assertThat(engine.list()).isEmpty(); // not complete: no manifest
            assertThat(engine.inProgress()).singleElement().satisfies(backup -> {
                assertThat(backup.backupId()).isEqualTo("resumed-1");
                assertThat(backup.volume()).isEqualTo("db");
                assertThat(backup.chunksToRead()).isEqualTo(64);
                assertThat(backup.chunksRead()).isLessThan(64);
            });
            int present = target.list("chunks/").size();
            assertThat(present).isBetween(KILL_AFTER_CHUNKS, 63);

            BackupInfo info = engine.create(BackupRequest.of("db", source).withBackupId("resumed-1"), null);
            assertThat(info.chunkCount()).isEqualTo(64);
            assertThat(target.chunkPuts.get()).as("chunks uploaded by the resumed run").isEqualTo(64 - present);
            assertThat(info.uploadedChunks()).isBetween((long) 64 - present, 64L); // counts the killed run's journaled uploads too
            assertThat(engine.inProgress()).isEmpty();
            assertThat(target.list("inprogress/")).isEmpty();

            MemoryVolume restored = new MemoryVolume(IMAGE_BYTES);
            engine.restore("resumed-1", restored, null);
            assertThat(restored.data).isEqualTo(Files.readAllBytes(image));
        }
    }

    private Path image() throws IOException {
        byte[] data = new byte[IMAGE_BYTES];
        new SplittableRandom(99).nextBytes(data);
        Path image = directory.resolve("image.raw");
        Files.write(image, data);
        return image;
    }

    private static Process start(List<String> arguments, Path stderr) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-ea", "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", classPath, ResumeChild.class.getName()));
        command.addAll(arguments);
        return new ProcessBuilder(command).redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }
}
