package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ext4 on a Wharf volume while the node is killed with {@code kill -9}, for several rounds: after
 * each restart the filesystem checks clean (once its own journal is replayed, as a mount would)
 * and every file the writer fsynced reads back intact. Needs root (mounts).
 */
class FilesystemCrashTest {
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @Test
    void ext4ChecksCleanAndKeepsFsyncedFilesAcrossKill9() throws Exception {
        long seed = Long.getLong("wharf.seed", System.nanoTime());
        System.out.println("FilesystemCrashTest seed " + seed);
        SplittableRandom random = new SplittableRandom(seed);
        Path mountPoint = dir.resolve("mnt");
        int synced = -1;
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"))) {
            Cli cli = new Cli(node.endpoint());
            assertThat(cli.run("volume", "create", "crashfs", "--size", "512MiB").exitCode()).isZero();
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    Cli.Run mount = cli.run("volume", "mount", "crashfs", mountPoint.toString(), "--fs", "ext4");
                    assertThat(mount.exitCode()).as("mount: %s", mount.err()).isZero();
                    int killAfter = 20 + random.nextInt(200);
                    synced = writeUntilKilled(node, mountPoint, synced + 1, killAfter, synced);
                    Cli.Run unmount = cli.run("volume", "unmount", mountPoint.toString());
                    assertThat(unmount.exitCode()).as("unmount after the node died: %s", unmount.err()).isZero();
                    MountResidue.assertNone(dir);
                    node.start();
                    checkImage(node, synced);
                }
            } finally {
                if (Files.readString(Path.of("/proc/mounts")).contains(" " + mountPoint + " ")) {
                    cli.run("volume", "unmount", mountPoint.toString());
                }
            }
        }
        MountResidue.assertNone(dir);
    }

    /** Runs the writer until {@code killAfter} more files are synced, kills the node, returns the last synced index. */
    private int writeUntilKilled(NodeProcess node, Path mountPoint, int first, int killAfter, int lastSynced) throws Exception {
        Process writer = new ProcessBuilder(NodeProcess.javaExecutable(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), FileWriterMain.class.getName(), mountPoint.toString(), "" + first)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        AtomicInteger last = new AtomicInteger(lastSynced);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            int count = 0;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("SYNCED ")) {
                    last.set(Integer.parseInt(line.substring(7)));
                    if (++count == killAfter) {
                        node.kill9();
                        break;
                    }
                }
            }
            // lines written after the kill may still arrive: a file fsynced before the node died counts.
            // Kill through the handle: Process.destroyForcibly() would also close our end of the pipe.
            writer.toHandle().destroyForcibly();
            writer.waitFor(30, TimeUnit.SECONDS);
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("SYNCED ")) {
                    last.set(Integer.parseInt(line.substring(7)));
                }
            }
        } finally {
            writer.destroyForcibly();
            writer.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(node.alive()).isFalse();
        return last.get();
    }

    /** Copies the volume out, replays the ext4 journal, fscks it, and reads every synced file. */
    private void checkImage(NodeProcess node, int synced) throws Exception {
        Path image = dir.resolve("crashfs.img");
        Tools.ok(300, "nbdcopy", node.nbdUri("crashfs"), image.toString());
        Tools.Result replay = Tools.run(300, "e2fsck", "-E", "journal_only", "-y", image.toString());
        assertThat(replay.exitCode()).as("journal replay:\n%s", replay.output()).isIn(0, 1);
        Tools.Result check = Tools.run(300, "e2fsck", "-f", "-n", image.toString());
        assertThat(check.exitCode()).as("fsck after the crash:\n%s", check.output()).isZero();
        Path files = dir.resolve("files");
        Files.createDirectories(files);
        Tools.ok(300, "debugfs", "-R", "rdump / " + files, image.toString());
        for (int i = 0; i <= synced; i++) {
            Path file = files.resolve("f" + i);
            assertThat(Files.exists(file)).as("synced file f%d exists", i).isTrue();
            assertThat(Files.readAllBytes(file)).as("synced file f%d", i).isEqualTo(FileWriterMain.content(i));
        }
        try (var walk = Files.walk(files)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.delete(image);
    }
}
