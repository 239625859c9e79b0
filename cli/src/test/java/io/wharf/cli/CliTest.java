package io.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.api.ApiServer;
import io.wharf.api.NodeInfo;
import io.wharf.core.ByteSize;
import io.wharf.core.WharfVersion;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wharf command against a real ApiServer with an in-memory node behind it. */
class CliTest extends CliAgainstApiServer {
    @Test
    void versionPrintsTheBuildVersion() {
        CliRun run = wharf("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("wharf " + WharfVersion.version() + "\n");
        assertThat(WharfVersion.version()).isNotEqualTo("unknown");
    }

    @Test
    void createPrintsWhatWasCreated() {
        CliRun run = wharf("volume", "create", "db-data", "--size", "10GiB", "--label", "app=pg", "-l", "tier=db");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("volume db-data created on node node-1: 10 GiB, nbd://127.0.0.1:10809/db-data\n");
        assertThat(api.volumes.get("db-data").labels()).isEqualTo(Map.of("app", "pg", "tier", "db"));
        assertThat(api.volumes.get("db-data").sizeBytes()).isEqualTo(10 * ByteSize.GIB);
    }

    @Test
    void createWithJsonOutputPrintsTheApiJson() throws Exception {
        CliRun run = wharf("volume", "create", "logs", "--size", "512MiB", "-o", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode volume = JSON.readTree(run.out());
        assertThat(volume.get("name").asText()).isEqualTo("logs");
        assertThat(volume.get("sizeBytes").asLong()).isEqualTo(512 * ByteSize.MIB);
    }

    @Test
    void listPrintsAnAlignedTable() {
        api.put("db-data", 10 * ByteSize.GIB, 3 * ByteSize.GIB / 2, 1, Map.of("tier", "db", "app", "pg"));
        api.put("logs", 512 * ByteSize.MIB, 0, 0, Map.of());
        CliRun run = wharf("volume", "list");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("""
                NAME     SIZE     ALLOCATED  STATE      CLIENTS  SNAPSHOTS  NODE    LABELS
                db-data  10 GiB   1.5 GiB    in-use     1        0          node-1  app=pg,tier=db
                logs     512 MiB  0 B        available  0        0          node-1  -
                """);
    }

    @Test
    void listWithoutVolumesSaysHowToCreateOne() {
        CliRun run = wharf("volume", "list");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("no volumes yet; create one with: wharf volume create NAME --size 10GiB\n");
    }

    @Test
    void listWithJsonOutputIsTheApiShape() throws Exception {
        api.put("db-data", 10 * ByteSize.GIB, 0, 0, Map.of());
        CliRun run = wharf("volume", "list", "-o", "json");
        JsonNode list = JSON.readTree(run.out());
        assertThat(list.get("volumes").get(0).get("name").asText()).isEqualTo("db-data");
        assertThat(list.get("volumes").get(0).get("nbdUri").asText()).isEqualTo("nbd://127.0.0.1:10809/db-data");
        assertThat(wharf("volume", "list", "--output=JSON").out()).isEqualTo(run.out());
    }

    @Test
    void inspectShowsOneVolume() throws Exception {
        api.put("db-data", 10 * ByteSize.GIB, 3 * ByteSize.GIB / 2, 1, Map.of("app", "pg"));
        CliRun run = wharf("volume", "inspect", "db-data");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("""
                FIELD      VALUE
                Name       db-data
                ID         vol-db-data
                Size       10 GiB (10737418240 bytes)
                Allocated  1.5 GiB
                State      in-use (1 client)
                Node       node-1
                NBD URI    nbd://127.0.0.1:10809/db-data
                Labels     app=pg
                Snapshots  0
                Created    2025-11-27T09:30:00Z
                """);
        JsonNode json = JSON.readTree(wharf("volume", "inspect", "db-data", "-o", "json").out());
        assertThat(json.get("clients").asInt()).isEqualTo(1);
    }

    @Test
    void resizeAndDelete() {
        api.put("db-data", 10 * ByteSize.GIB, 0, 0, Map.of());
        CliRun resized = wharf("volume", "resize", "db-data", "--size", "20GiB");
        assertThat(resized.exitCode()).as(resized.err()).isZero();
        assertThat(resized.out()).isEqualTo("volume db-data resized to 20 GiB\n");
        CliRun deleted = wharf("volume", "delete", "db-data");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).isEqualTo("volume db-data deleted\n");
        assertThat(api.volumes).isEmpty();
    }

    @Test
    void poolListAndClusterStatus() throws Exception {
        api.put("db-data", 10 * ByteSize.GIB, 3 * ByteSize.GIB / 2, 1, Map.of());
        CliRun pools = wharf("pool", "list");
        assertThat(pools.exitCode()).as(pools.err()).isZero();
        assertThat(pools.out()).isEqualTo("""
                NODE    PATH                 CAPACITY  USED     PROVISIONED  OVERCOMMIT  VOLUMES
                node-1  /var/lib/wharf/pool  100 GiB   1.5 GiB  10 GiB       2.0x        1
                """);
        assertThat(JSON.readTree(wharf("pool", "list", "-o", "json").out()).get("pools").get(0).get("volumes").asInt())
                .isEqualTo(1);

        CliRun cluster = wharf("cluster", "status");
        assertThat(cluster.exitCode()).as(cluster.err()).isZero();
        assertThat(cluster.out()).isEqualTo("""
                CLUSTER      c-7f3a
                Version      0.1.0
                Nodes        1 of 1 online
                Capacity     100 GiB
                Used         1.5 GiB (2%)
                Provisioned  10 GiB (10%)
                Volumes      1

                NODE    STATE   ZONE  RACK  API             NBD              CAPACITY  USED     VERSION
                node-1  online  -     -     127.0.0.1:9020  127.0.0.1:10809  100 GiB   1.5 GiB  0.1.0
                """);
        assertThat(JSON.readTree(wharf("cluster", "status", "-o", "json").out()).get("clusterId").asText())
                .isEqualTo("c-7f3a");
    }

    @Test
    void nodeListInspectAndMaintenance() throws Exception {
        api.otherNodes.put("node-2", new NodeInfo("node-2", "online", "10.0.0.2:9020", "10.0.0.2:10809", "zone-b", "r1",
                false, "0.1.0", 50 * ByteSize.GIB, 0, 0, "2025-11-27T09:00:00Z", "2025-11-27T09:30:00Z", null));
        api.otherNodes.put("node-3", new NodeInfo("node-3", "offline", "10.0.0.3:9020", "10.0.0.3:10809", "zone-c", null,
                false, "0.1.0", 50 * ByteSize.GIB, ByteSize.GIB, 0, "2025-11-27T09:00:00Z", "2025-11-27T09:30:00Z", null));
        CliRun list = wharf("node", "list");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).isEqualTo("""
                NODE    STATE    ZONE    RACK  API             NBD              CAPACITY  USED   VERSION
                node-1  online   -       -     127.0.0.1:9020  127.0.0.1:10809  100 GiB   0 B    0.1.0
                node-2  online   zone-b  r1    10.0.0.2:9020   10.0.0.2:10809   50 GiB    0 B    0.1.0
                node-3  offline  zone-c  -     10.0.0.3:9020   10.0.0.3:10809   50 GiB    1 GiB  0.1.0
                """);
        assertThat(succeeded(wharf("node", "maintenance", "enter", "node-2")).out())
                .isEqualTo("node node-2 is in maintenance: no new placements\n");
        assertThat(succeeded(wharf("node", "maintenance", "enter", "node-3")).out()).startsWith("node node-3");
        assertThat(succeeded(wharf("node", "inspect", "node-2")).out()).contains("State        maintenance\n")
                .contains("Zone         zone-b\n");
        assertThat(succeeded(wharf("node", "inspect", "node-3")).out()).contains("State        offline (maintenance)\n");
        assertThat(wharf("cluster", "status").out()).contains("Nodes        2 of 3 online\n");
        assertThat(succeeded(wharf("node", "maintenance", "exit", "node-2")).out()).isEqualTo("node node-2 left maintenance\n");
        assertThat(JSON.readTree(wharf("node", "list", "-o", "json").out()).get("nodes").get(1).get("state").asText())
                .isEqualTo("online");

        assertFailed(wharf("node", "decommission", "node-2"), 4, "NODE_IN_USE", "node 'node-2' is online",
                "stop the node before decommissioning it");
        assertThat(succeeded(wharf("node", "decommission", "node-3")).out()).isEqualTo("node node-3 decommissioned\n");
        assertThat(wharf("node", "list").out()).doesNotContain("node-3");
        assertFailed(wharf("node", "inspect", "node-9"), 3, "NODE_NOT_FOUND", "node 'node-9' is not a member of this cluster",
                "list nodes with `wharf node list`");
        int before = api.calls.get();
        assertThat(wharf("node", "maintenance", "pause", "node-2").exitCode()).isEqualTo(2);
        assertThat(wharf("node", "inspect", "Node_2").exitCode()).isEqualTo(2);
        assertThat(api.calls).hasValue(before);
    }

    @Test
    void refusalsPrintErrorHintAndCodeAndExitWithTheCodesExitCode() {
        assertFailed(wharf("volume", "inspect", "nope"), 3, "VOLUME_NOT_FOUND", "volume 'nope' does not exist",
                "list volumes with `wharf volume list`");
        api.put("db", 10 * ByteSize.GIB, 0, 2, Map.of());
        assertFailed(wharf("volume", "create", "db", "--size", "1GiB"), 4, "VOLUME_EXISTS",
                "volume 'db' already exists", "choose another name, or delete the existing volume first");
        assertFailed(wharf("volume", "resize", "db", "--size", "1GiB"), 2, "SHRINK_NOT_SUPPORTED",
                "volume 'db' is 10 GiB; shrinking is not supported", "give a size of at least 10 GiB");
        assertFailed(wharf("volume", "delete", "db"), 4, "VOLUME_IN_USE", "volume 'db' has 2 NBD client(s) connected",
                "unmount it first, or delete with --force");
        assertThat(wharf("volume", "delete", "db", "--force").exitCode()).isZero();
    }

    @Test
    void anInternalErrorShowsTheReportIdAndNoStackTrace() {
        api.failNext(new IllegalStateException("node bug"));
        CliRun run = wharf("volume", "list");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).matches("(?s)error: internal error \\(report id [0-9a-f]{8}\\)\nhint: .*\n\\(code: INTERNAL\\)\n");
        assertNoStackTrace(run);
    }

    @Test
    void namesSizesAndLabelsAreCheckedBeforeAnythingIsSent() {
        assertFailed(wharf("volume", "create", "DB_data", "--size", "1GiB"), 2, "INVALID_NAME",
                "volume name 'DB_data' is not valid",
                "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        assertFailed(wharf("volume", "create", "db", "--size", "10XB"), 2, "INVALID_SIZE",
                "size '10XB' is not valid: unknown unit 'XB'", "write a size like 10GiB, 512MiB or 1TiB");
        assertFailed(wharf("volume", "create", "db", "--size", "0"), 2, "INVALID_SIZE",
                "size '0' is not valid: a volume needs at least one byte", "write a size like 10GiB, 512MiB or 1TiB");
        assertFailed(wharf("volume", "create", "db", "--size", "1GiB", "--label", "novalue"), 2, "INVALID_ARGUMENT",
                "label 'novalue' is not KEY=VALUE", "write labels like --label app=postgres");
        assertFailed(wharf("volume", "resize", "db", "--size", "-5"), 2, "INVALID_SIZE",
                "size '-5' is not valid: not a size", "write a size like 10GiB, 512MiB or 1TiB");
        assertThat(wharf("volume", "inspect", "Bad!").exitCode()).isEqualTo(2);
        assertThat(api.calls).hasValue(0);
    }

    @Test
    void badArgumentsAreUsageErrorsWithExitTwo() {
        CliRun missingSize = wharf("volume", "create", "db");
        assertThat(missingSize.exitCode()).isEqualTo(2);
        assertThat(missingSize.err()).startsWith("Missing required option: '--size=SIZE'").contains("Usage: wharf volume create");
        assertNoStackTrace(missingSize);

        CliRun unknownOption = wharf("volume", "list", "--colour");
        assertThat(unknownOption.exitCode()).isEqualTo(2);
        assertThat(unknownOption.err()).startsWith("Unknown option: '--colour'");
        assertNoStackTrace(unknownOption);

        CliRun badOutput = wharf("volume", "list", "-o", "yaml");
        assertThat(badOutput.exitCode()).isEqualTo(2);
        assertThat(badOutput.err()).startsWith("Invalid value for option '--output': expected 'table' or 'json', not 'yaml'");
        assertNoStackTrace(badOutput);

        CliRun unknownCommand = wharf("volume", "frobnicate");
        assertThat(unknownCommand.exitCode()).isEqualTo(2);
        assertThat(unknownCommand.err()).startsWith("Unmatched argument at index 1: 'frobnicate'");

        CliRun noCommand = wharf();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).startsWith("Missing required subcommand").contains("Usage: wharf");
        CliRun noVolumeCommand = wharf("volume");
        assertThat(noVolumeCommand.exitCode()).isEqualTo(2);
        assertThat(noVolumeCommand.err()).contains("Usage: wharf volume");

        CliRun tooMany = wharf("volume", "inspect", "a", "b");
        assertThat(tooMany.exitCode()).isEqualTo(2);
        assertNoStackTrace(tooMany);
        assertThat(api.calls).hasValue(0);
    }

    @Test
    void helpExitsZero() {
        CliRun help = wharf("volume", "create", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: wharf volume create", "--size=SIZE", "--endpoint=URL");
        assertThat(wharf("volume", "mount", "-h").out()).contains("Usage: wharf volume mount", "--fs=ext4|xfs");
        CliRun version = wharf("volume", "list", "-V");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).isEqualTo("wharf " + WharfVersion.version() + "\n");
    }

    @Test
    void endpointComesFromTheFlagThenTheEnvironmentThenTheDefault() throws Exception {
        api.put("db", ByteSize.GIB, 0, 0, Map.of());
        String dead = "http://127.0.0.1:" + freePort();
        String unreachable = "cannot reach the Wharf API at " + dead;
        String hint = "start a node with `./wharf up` or set --endpoint / WHARF_ENDPOINT";

        // environment only
        assertThat(CliRun.run(Map.of("WHARF_ENDPOINT", endpoint), mountSettings(true), "volume", "list").exitCode())
                .isZero();
        assertFailed(CliRun.run(Map.of("WHARF_ENDPOINT", dead), mountSettings(true), "volume", "list"), 9,
                "UNAVAILABLE", unreachable, hint);
        // the flag wins over the environment, before or after the subcommand
        assertThat(CliRun.run(Map.of("WHARF_ENDPOINT", dead), mountSettings(true), "--endpoint", endpoint, "volume",
                "list").exitCode()).isZero();
        assertThat(CliRun.run(Map.of("WHARF_ENDPOINT", dead), mountSettings(true), "volume", "list", "--endpoint",
                endpoint).exitCode()).isZero();
        assertFailed(CliRun.run(Map.of("WHARF_ENDPOINT", endpoint), mountSettings(true), "volume", "list",
                "--endpoint=" + dead), 9, "UNAVAILABLE", unreachable, hint);
        // neither: the default
        CliRun fallback = CliRun.run(Map.of(), mountSettings(true), "volume", "list");
        if (fallback.exitCode() != 0) {
            assertThat(fallback.err()).startsWith("error: cannot reach the Wharf API at http://127.0.0.1:9020\n");
        }
        // not a URL
        assertFailed(CliRun.run(Map.of("WHARF_ENDPOINT", "localhost:9020"), mountSettings(true), "volume", "list"), 2,
                "INVALID_ARGUMENT", "endpoint 'localhost:9020' (from $WHARF_ENDPOINT) is not an http:// or https:// URL",
                "write it like http://127.0.0.1:9020");
    }

    @Test
    void mountNeedsRoot() {
        api.put("db", ByteSize.GIB, 0, 0, Map.of());
        CliRun run = CliRun.run(Map.of("WHARF_ENDPOINT", endpoint), mountSettings(false), "volume", "mount", "db",
                temporary.resolve("mnt").toString());
        assertFailed(run, 6, "PERMISSION_DENIED", "mounting and unmounting volumes needs root",
                "run the command as root, e.g. with sudo");
        assertFailed(CliRun.run(Map.of("WHARF_ENDPOINT", endpoint), mountSettings(false), "volume", "unmount",
                temporary.resolve("mnt").toString()), 6, "PERMISSION_DENIED",
                "mounting and unmounting volumes needs root", "run the command as root, e.g. with sudo");
    }

    @Test
    void mountRefusesAVolumeInUseAndAnUnknownFilesystem() {
        api.put("db", ByteSize.GIB, 0, 1, Map.of());
        String path = temporary.resolve("mnt").toString();
        assertFailed(wharf("volume", "mount", "db", path), 4, "VOLUME_IN_USE",
                "volume 'db' already has 1 NBD client(s) connected; mounting it here as well could corrupt its filesystem",
                "unmount it where it is in use first (see `wharf volume inspect db`)");
        assertFailed(wharf("volume", "mount", "db", path, "--fs", "btrfs"), 2, "INVALID_ARGUMENT",
                "filesystem 'btrfs' is not supported", "use --fs ext4 or --fs xfs");
        assertFailed(wharf("volume", "mount", "nope", path), 3, "VOLUME_NOT_FOUND", "volume 'nope' does not exist",
                "list volumes with `wharf volume list`");
    }

    @Test
    void unmountOfAPathWharfDidNotMountIsNotMounted() {
        Path path = temporary.resolve("never-mounted");
        CliRun run = wharf("volume", "unmount", path.toString());
        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).startsWith("error: nothing is mounted at " + path + " by wharf\n")
                .endsWith("(code: NOT_MOUNTED)\n");
        assertNoStackTrace(run);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
