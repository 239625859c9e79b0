package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.VolumeCreate;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, stopping and restarting a node: volumes come back; conflicts give clear messages. */
class NodeLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void cleanStopAndRestartBringsBackEveryVolumeAndItsData() throws Exception {
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"))) {
            for (int i = 0; i < 5; i++) {
                node.api().createVolume(new VolumeCreate("keep-" + i, (i + 1) * 16 * ByteSize.MIB, Map.of("n", "" + i)));
            }
            try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "keep-3")) {
                client.write(8192, CrashTest.content(2, 77)); // no flush: a clean stop must flush
            }
            assertThat(node.stop()).as("exit code after SIGTERM").isIn(0, 130, 143);
            assertThat(node.logTail()).contains("node stopped");
            node.start();
            assertThat(node.api().listVolumes()).extracting(v -> v.name())
                    .containsExactlyInAnyOrder("keep-0", "keep-1", "keep-2", "keep-3", "keep-4");
            assertThat(node.api().getVolume("keep-4").sizeBytes()).isEqualTo(80 * ByteSize.MIB);
            assertThat(node.api().getVolume("keep-2").labels()).containsEntry("n", "2");
            try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "keep-3")) {
                assertThat(client.read(8192, 4096)).isEqualTo(CrashTest.content(2, 77));
            }
        }
    }

    @Test
    void portInUseAndDataDirInUseAreRefusedClearly() throws Exception {
        try (NodeProcess first = NodeProcess.started(dir.resolve("node"))) {
            Process sameDir = start(List.of("--data-dir", first.dataDir.toString(),
                    "--api-port", "" + NodeProcess.freePort(), "--nbd-port", "" + NodeProcess.freePort()));
            String sameDirOutput = finish(sameDir);
            assertThat(sameDir.exitValue()).isEqualTo(ErrorCode.DATA_DIR_LOCKED.exitCode());
            assertThat(sameDirOutput).contains("DATA_DIR_LOCKED").contains("hint:").doesNotContain("\tat ");

            Process samePort = start(List.of("--data-dir", dir.resolve("other").toString(),
                    "--api-port", "" + first.apiPort, "--nbd-port", "" + NodeProcess.freePort()));
            String samePortOutput = finish(samePort);
            assertThat(samePort.exitValue()).isEqualTo(ErrorCode.PORT_IN_USE.exitCode());
            assertThat(samePortOutput).contains("PORT_IN_USE").contains("" + first.apiPort).contains("--api-port")
                    .doesNotContain("\tat ");
            try (ServerSocket taken = new ServerSocket(0)) {
                Process nbdPort = start(List.of("--data-dir", dir.resolve("third").toString(),
                        "--api-port", "" + NodeProcess.freePort(), "--nbd-port", "" + taken.getLocalPort()));
                assertThat(finish(nbdPort)).contains("PORT_IN_USE").contains("--nbd-port");
            }
            // the first node is unharmed
            assertThat(first.api().listVolumes()).isEmpty();
        }
    }

    private static Process start(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(NodeProcess.javaExecutable(), "-Xmx128m",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.wharf.dist.WharfMain", "up"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String finish(Process process) throws Exception {
        try {
            String output = new String(process.getInputStream().readAllBytes());
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("refused start exits by itself").isTrue();
            return output;
        } finally {
            process.destroyForcibly();
        }
    }
}
