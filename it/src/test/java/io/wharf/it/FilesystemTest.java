package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real filesystem on a Wharf volume through {@code wharf volume mount} (kernel NBD, or nbdfuse
 * plus a loop device where the kernel has no NBD): many files, unmount, fsck clean, mount again.
 * Needs root, as mounting does.
 */
class FilesystemTest {
    @TempDir
    Path dir;
    NodeProcess node;
    Cli cli;
    Path mountPoint;

    @BeforeEach
    void startNode() throws IOException {
        node = NodeProcess.started(dir.resolve("node"));
        cli = new Cli(node.endpoint());
        mountPoint = dir.resolve("mnt");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (Files.exists(mountPoint) && Files.readString(Path.of("/proc/mounts")).contains(" " + mountPoint + " ")) {
                cli.run("volume", "unmount", mountPoint.toString());
            }
        } finally {
            node.close();
        }
        MountResidue.assertNone(dir);
    }

    private Cli.Run ok(String... args) {
        Cli.Run run = cli.run(args);
        assertThat(run.exitCode()).as("wharf %s\nout: %s\nerr: %s", String.join(" ", args), run.out(), run.err()).isZero();
        return run;
    }

    @Test
    void ext4SurvivesUnmountFsckAndRemount() throws Exception {
        roundTrip("ext4", "fs-ext4");
    }

    @Test
    void xfsSurvivesUnmountFsckAndRemount() throws Exception {
        roundTrip("xfs", "fs-xfs");
    }

    private void roundTrip(String fs, String volume) throws Exception {
        ok("volume", "create", volume, "--size", "1GiB");
        ok("volume", "mount", volume, mountPoint.toString(), "--fs", fs);
        Map<String, String> digests = writeFiles(mountPoint, 400);
        ok("volume", "unmount", mountPoint.toString());
        MountResidue.assertNone(dir);

        fsck(fs, volume);

        ok("volume", "mount", volume, mountPoint.toString());
        for (Map.Entry<String, String> file : digests.entrySet()) {
            assertThat(digest(Files.readAllBytes(mountPoint.resolve(file.getKey())))).as(file.getKey()).isEqualTo(file.getValue());
        }
        ok("volume", "unmount", mountPoint.toString());
        assertThat(node.api().getVolume(volume).allocatedBytes()).isLessThan(ByteSize.GIB);
    }

    /** Copies the volume out with nbdcopy and checks the filesystem image read-only. */
    private void fsck(String fs, String volume) throws Exception {
        Path image = dir.resolve(volume + ".img");
        Tools.ok(300, "nbdcopy", node.nbdUri(volume), image.toString());
        Tools.Result check = fs.equals("ext4")
                ? Tools.run(300, "e2fsck", "-f", "-n", image.toString())
                : Tools.run(300, "xfs_repair", "-n", "-f", image.toString());
        assertThat(check.exitCode()).as("fsck of %s:\n%s", volume, check.output()).isZero();
        Files.delete(image);
    }

    static Map<String, String> writeFiles(Path root, int count) throws Exception {
        SplittableRandom random = new SplittableRandom(count);
        Map<String, String> digests = new HashMap<>();
        for (int i = 0; i < count; i++) {
            Path subdir = root.resolve("d" + (i % 20));
            Files.createDirectories(subdir);
            byte[] data = new byte[random.nextInt(1, 256 * 1024)];
            random.nextBytes(data);
            String name = root.relativize(subdir.resolve("f" + i)).toString();
            Files.write(root.resolve(name), data);
            digests.put(name, digest(data));
        }
        return digests;
    }

    static String digest(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
