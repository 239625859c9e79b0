package io.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.api.ApiServer;
import io.wharf.cli.mount.MountLeftovers;
import io.wharf.cli.mount.MountSettings;
import io.wharf.cli.mount.Nbdkit;
import io.wharf.cli.mount.Transport;
import io.wharf.core.ByteSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wharf volume mount} and {@code unmount} end to end: API, nbdfuse, loop device, ext4. Needs root. */
class CliMountTest {
    private final InMemoryApi api = new InMemoryApi();
    @TempDir
    Path temporary;
    private ApiServer server;
    private Nbdkit nbdkit;
    private Map<String, String> variables;
    private MountSettings settings;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Nbdkit.canMountHere(), "needs root, /dev/fuse, loop devices, nbdkit, nbdfuse and the mkfs tools");
        nbdkit = Nbdkit.start("256M", temporary);
        api.nbdAddress("127.0.0.1:" + nbdkit.port());
        api.put("db", 256 * ByteSize.MIB, 0, 0, Map.of());
        server = new ApiServer("127.0.0.1", 0, api, () -> "");
        server.start();
        variables = Map.of(CliEnvironment.ENDPOINT_VARIABLE, "http://127.0.0.1:" + server.port());
        settings = new MountSettings(temporary.resolve("state"), Transport.NBDFUSE, Duration.ofSeconds(60), true);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (settings != null) {
                MountLeftovers.removeUnder(temporary);
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (nbdkit != null) {
                nbdkit.close();
            }
        }
    }

    private CliRun wharf(String... args) {
        return CliRun.run(variables, settings, args);
    }

    @Test
    void mountsWritesUnmountsAndRemounts() throws Exception {
        Path path = temporary.resolve("mnt/db");
        CliRun mounted = wharf("volume", "mount", "db", path.toString());
        assertThat(mounted.exitCode()).as(mounted.err()).isZero();
        assertThat(mounted.out()).matches("volume db mounted at " + path + " \\(ext4 on /dev/loop\\d+, via nbdfuse\\)\n");
        Files.writeString(path.resolve("hello.txt"), "hello\n");

        CliRun again = wharf("volume", "mount", "db", path.toString());
        assertThat(again.exitCode()).isEqualTo(4);
        assertThat(again.err()).isEqualTo("error: " + path + " is already mounted (volume 'db')\n"
                + "hint: unmount it first: wharf volume unmount " + path + "\n(code: ALREADY_MOUNTED)\n");

        CliRun unmounted = wharf("volume", "unmount", path.toString());
        assertThat(unmounted.exitCode()).as(unmounted.err()).isZero();
        assertThat(unmounted.out()).isEqualTo("volume db unmounted from " + path + "\n");
        assertThat(MountLeftovers.mountPointsUnder(temporary)).isEmpty();
        assertThat(MountLeftovers.loopDevices()).doesNotContain(temporary.toString());

        CliRun wrongFilesystem = wharf("volume", "mount", "db", path.toString(), "--fs", "xfs");
        assertThat(wrongFilesystem.exitCode()).isEqualTo(2);
        assertThat(wrongFilesystem.err()).startsWith("error: volume 'db' already holds an ext4 filesystem, not xfs\n");

        assertThat(wharf("volume", "mount", "db", path.toString()).exitCode()).isZero();
        assertThat(Files.readString(path.resolve("hello.txt"))).isEqualTo("hello\n");
        assertThat(wharf("volume", "unmount", path.toString()).exitCode()).isZero();
        assertThat(MountLeftovers.mountPointsUnder(temporary)).isEmpty();
    }
}
