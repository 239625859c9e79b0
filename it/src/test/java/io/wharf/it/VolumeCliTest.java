package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The volume lifecycle through the {@code wharf} CLI against a real node, refusals included. */
class VolumeCliTest {
    @TempDir
    static Path dir;
    static NodeProcess node;
    static Cli cli;

    @BeforeAll
    static void startNode() throws Exception {
        // A pool of 1 GiB with overcommit 2 lets us provision at most 2 GiB.
        node = NodeProcess.started(dir.resolve("node"), "--pool-capacity", "1GiB", "--overcommit", "2");
        cli = new Cli(node.endpoint());
    }

    @AfterAll
    static void stopNode() throws InterruptedException {
        if (node != null) {
            node.close();
        }
    }

    private static Cli.Run ok(String... args) {
        Cli.Run run = cli.run(args);
        assertThat(run.exitCode()).as("wharf %s\nout: %s\nerr: %s", String.join(" ", args), run.out(), run.err()).isZero();
        return run;
    }

    private static void refused(ErrorCode code, String... args) {
        Cli.Run run = cli.run(args);
        assertThat(run.exitCode()).as("exit code of wharf %s (%s)", String.join(" ", args), run.err()).isEqualTo(code.exitCode());
        assertThat(run.err()).contains(code.name()).contains("error: ").contains("hint: ").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void createListInspectResizeDelete() {
        ok("volume", "create", "life", "--size", "100MiB", "--label", "app=db", "--label", "tier=gold");
        assertThat(ok("volume", "list").out()).contains("life").contains("100 MiB");
        assertThat(ok("volume", "list", "-o", "json").out()).contains("\"name\" : \"life\"").contains("\"sizeBytes\" : " + 100 * ByteSize.MIB);
        assertThat(ok("volume", "inspect", "life").out()).contains("app=db").contains("nbd://127.0.0.1:" + node.nbdPort + "/life");
        assertThat(ok("volume", "inspect", "life", "-o", "json").out()).contains("\"tier\" : \"gold\"");
        ok("volume", "resize", "life", "--size", "200MiB");
        assertThat(node.api().getVolume("life").sizeBytes()).isEqualTo(200 * ByteSize.MIB);
        ok("volume", "delete", "life");
        refused(ErrorCode.VOLUME_NOT_FOUND, "volume", "inspect", "life");
    }

    @Test
    void refusalsHaveStableCodesAndHints() throws Exception {
        ok("volume", "create", "taken", "--size", "10MiB");
        refused(ErrorCode.VOLUME_EXISTS, "volume", "create", "taken", "--size", "10MiB");
        refused(ErrorCode.INVALID_NAME, "volume", "create", "Bad_Name", "--size", "10MiB");
        refused(ErrorCode.INVALID_SIZE, "volume", "create", "badsize", "--size", "ten");
        refused(ErrorCode.INVALID_SIZE, "volume", "create", "badsize", "--size", "0");
        refused(ErrorCode.CAPACITY_EXCEEDED, "volume", "create", "huge", "--size", "3GiB");
        refused(ErrorCode.SHRINK_NOT_SUPPORTED, "volume", "resize", "taken", "--size", "5MiB");
        refused(ErrorCode.VOLUME_NOT_FOUND, "volume", "delete", "nothing-here");
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "taken")) {
            Conditions.await("the node to count the client", java.time.Duration.ofSeconds(10),
                    () -> node.api().getVolume("taken").clients() == 1);
            assertThat(ok("volume", "inspect", "taken").out()).contains("in-use");
            refused(ErrorCode.VOLUME_IN_USE, "volume", "delete", "taken");
            ok("volume", "delete", "taken", "--force");
        }
        assertThat(node.api().listVolumes()).noneMatch(v -> v.name().equals("taken"));
        Cli.Run usage = cli.run("volume", "create");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).contains("Missing required").doesNotContain("Exception");
    }

    @Test
    void volumesAreThinAndTrimGivesSpaceBack() throws Exception {
        ok("volume", "create", "thin", "--size", "512MiB");
        assertThat(node.api().getVolume("thin").allocatedBytes()).isZero();
        byte[] block = new byte[1 << 20];
        new Random(3).nextBytes(block);
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "thin")) {
            for (int i = 0; i < 8; i++) {
                client.write(i * (long) block.length, block);
            }
            client.flush();
            assertThat(node.api().getVolume("thin").allocatedBytes()).isEqualTo(8 * ByteSize.MIB);
            assertThat(ok("pool", "list", "-o", "json").out()).contains("\"usedBytes\"");
            client.trim(0, 6 << 20);
            client.flush();
            assertThat(node.api().getVolume("thin").allocatedBytes()).isEqualTo(2 * ByteSize.MIB);
            assertThat(client.read(0, 4096)).isEqualTo(new byte[4096]);
        }
        assertThat(ok("cluster", "status").out()).contains("node-1").contains("online");
        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.endpoint() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("wharf_volume_allocated_bytes{volume=\"thin\"} " + 2 * ByteSize.MIB)
                .contains("wharf_volume_write_bytes_total{volume=\"thin\"} " + 8 * ByteSize.MIB)
                .contains("wharf_volume_trim_ops_total{volume=\"thin\"} 1")
                .contains("# TYPE wharf_pool_capacity_bytes gauge");
        Conditions.await("the node to see the client go", java.time.Duration.ofSeconds(10),
                () -> node.api().getVolume("thin").clients() == 0);
        ok("volume", "delete", "thin");
    }

    @Test
    void growsOnlineWhileAClientIsConnected() throws Exception {
        ok("volume", "create", "grow", "--size", "16MiB");
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "grow")) {
            byte[] data = CrashTest.content(1, 42);
            client.write(4096, data);
            ok("volume", "resize", "grow", "--size", "32MiB");
            client.flush();
            assertThat(client.read(4096, 4096)).isEqualTo(data);
        }
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "grow")) {
            assertThat(client.sizeBytes()).isEqualTo(32 * ByteSize.MIB);
            byte[] data = CrashTest.content(7, 43);
            client.write(30 * ByteSize.MIB, data);
            assertThat(client.read(30 * ByteSize.MIB, 4096)).isEqualTo(data);
            assertThat(client.read(4096, 4096)).isEqualTo(CrashTest.content(1, 42));
        }
        Conditions.await("the node to see the client go", java.time.Duration.ofSeconds(10),
                () -> node.api().getVolume("grow").clients() == 0);
        ok("volume", "delete", "grow");
    }

    @Test
    void versionAndUnreachableEndpoint() throws Exception {
        assertThat(Cli.raw("--version").out()).startsWith("wharf ");
        Cli.Run unreachable = Cli.raw("volume", "list", "--endpoint", "http://127.0.0.1:" + NodeProcess.freePort());
        assertThat(unreachable.exitCode()).isEqualTo(ErrorCode.UNAVAILABLE.exitCode());
        assertThat(unreachable.err()).contains("UNAVAILABLE").doesNotContain("Exception");
    }
}
