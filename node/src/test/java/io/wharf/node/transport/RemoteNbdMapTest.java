package io.wharf.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.nbd.NbdExport;
import io.wharf.nbd.NbdExports;
import io.wharf.nbd.NbdServer;
import io.wharf.nbd.NbdServerConfig;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real NBD client (libnbd's nbdinfo) sees the same allocation map through a remote target as through a local one. */
class RemoteNbdMapTest {
    @TempDir
    Path directory;

    @Test
    void nbdinfoMapThroughARemoteTargetEqualsTheLocalMap() throws Exception {
        Assumptions.assumeTrue(onPath("nbdinfo"), "nbdinfo (libnbd-bin) is not installed");
        try (Replicas replicas = Replicas.start(directory.resolve("pool"))) {
            long size = 3L << 30;
            Volume local = replicas.pool.create("vol-map", size);
            ByteBuffer block = ByteBuffer.allocateDirect(64 * 1024);
            for (long offset : new long[] {0, 1L << 20, (1L << 30) - 4096, (2L << 30) + 8192, size - 65536}) {
                local.write(offset, block.clear());
            }
            for (int i = 0; i < 3000; i++) { // more runs than one EXTENTS reply carries
                local.write((64L << 20) + i * 8192L, block.clear().limit(4096));
            }
            local.writeZeroes(1L << 20, 4096, true);
            try (RemoteVolume remote = replicas.client.open("vol-map", 1)) {
                Map<String, NbdExport> exports = Map.of("local", new VolumeNbdExport("local", local),
                        "remote", new VolumeNbdExport("remote", remote));
                try (NbdServer nbd = new NbdServer(NbdServerConfig.defaults().withPort(0), new NbdExports() {
                    @Override
                    public Optional<NbdExport> find(String name) {
                        return Optional.ofNullable(exports.get(name));
                    }

                    @Override
                    public List<String> names() {
                        return List.copyOf(exports.keySet());
                    }
                })) {
                    nbd.start();
                    String localMap = nbdinfoMap(nbd.port(), "local");
                    String remoteMap = nbdinfoMap(nbd.port(), "remote");
                    assertThat(localMap.lines().count()).isGreaterThan(6000);
                    assertThat(remoteMap).isEqualTo(localMap);
                }
            }
        }
    }

    private String nbdinfoMap(int port, String export) throws IOException, InterruptedException {
        Path output = Files.createTempFile(directory, "map-" + export, ".txt");
        Process process = new ProcessBuilder("nbdinfo", "--map", "nbd://127.0.0.1:" + port + "/" + export)
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("nbdinfo finished").isTrue();
        } finally {
            process.destroyForcibly();
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("nbdinfo: %s", text).isZero();
        return text;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
