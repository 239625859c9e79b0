package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.wharf.api.NodeInfo;
import io.wharf.api.PoolInfo;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.etcd.EtcdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster of real node processes ({@code wharf node start}) on a real etcd server, each node with
 * its own ports and data directory: membership, liveness through leases, maintenance, and any node
 * answering any request about any volume.
 */
class ClusterTest {
    private static final String TTL_SECONDS = "3";

    @TempDir
    Path dir;

    private EtcdServer etcd;
    private final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeEach
    void startEtcd() {
        etcd = EtcdServer.startFresh();
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (NodeProcess node : nodes) {
            node.close();
        }
        etcd.close();
    }

    private NodeProcess node(String id, String zone, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--zone", zone, "--rack", "r1", "--liveness-ttl", TTL_SECONDS));
        args.addAll(List.of(extraArgs));
        NodeProcess node = NodeProcess.inCluster(dir.resolve(id), etcd.url(), id, args.toArray(String[]::new));
        nodes.add(node);
        node.start();
        return node;
    }

    /** SIGTERM; the JVM exits with 143 after the node's shutdown, which its log records. */
    private static void stopCleanly(NodeProcess node) throws InterruptedException {
        assertThat(node.stop()).isIn(0, 143);
        assertThat(node.logTail()).contains("node stopped");
    }

    private static NodeInfo find(ApiClient api, String id) {
        return api.listNodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }

    private static String state(ApiClient api, String id) {
        return find(api, id).state();
    }

    @Test
    void nodesJoinGoOfflineWhenKilledAndRejoin() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");

        for (NodeProcess asked : List.of(a, b, c)) {
            List<NodeInfo> seen = asked.api().listNodes();
            assertThat(seen).extracting(NodeInfo::id).containsExactly("node-a", "node-b", "node-c");
            assertThat(seen).extracting(NodeInfo::state).containsOnly("online");
            assertThat(seen).extracting(NodeInfo::zone).containsExactly("zone-a", "zone-b", "zone-c");
            assertThat(seen).allSatisfy(n -> assertThat(n.capacityBytes()).isPositive());
        }
        assertThat(find(a.api(), "node-b").apiAddress()).isEqualTo("127.0.0.1:" + b.apiPort);
        Cli cli = new Cli(a.endpoint());
        assertThat(cli.run("cluster", "status").out()).contains("Nodes        3 of 3 online");
        assertThat(cli.run("node", "list").out()).contains("node-c  online  zone-c  r1");

        // kill -9: the lease stops being renewed and the node shows offline within the TTL (plus etcd's expiry sweep).
        long killedAt = System.nanoTime();
        c.kill9();
        Conditions.await("node-c offline", Duration.ofSeconds(10), () -> state(a.api(), "node-c").equals("offline"));
        long detectionMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        System.out.println("offline detection after kill -9: " + detectionMillis + " ms (TTL " + TTL_SECONDS + " s)");
        assertThat(state(b.api(), "node-c")).isEqualTo("offline");

        String before = find(a.api(), "node-c").startedAt();
        c.start();
        Conditions.await("node-c back online", Duration.ofSeconds(10), () -> state(a.api(), "node-c").equals("online"));
        assertThat(find(b.api(), "node-c").startedAt()).isNotEqualTo(before);

        // A clean stop revokes the lease: offline at once, no waiting for the TTL.
        stopCleanly(b);
        assertThat(state(a.api(), "node-b")).isEqualTo("offline");
        b.start();
        Conditions.await("node-b back online", Duration.ofSeconds(10), () -> state(c.api(), "node-b").equals("online"));
    }

    @Test
    void maintenanceIsSeenEverywhereAndSurvivesARestart() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        Cli cli = new Cli(a.endpoint());
        assertThat(cli.run("node", "maintenance", "enter", "node-b").out())
                .isEqualTo("node node-b is in maintenance: no new placements\n");
        assertThat(state(b.api(), "node-b")).isEqualTo("maintenance");
        stopCleanly(b);
        assertThat(cli.run("node", "inspect", "node-b").out()).contains("offline (maintenance)");
        b.start();
        assertThat(state(a.api(), "node-b")).isEqualTo("maintenance");
        assertThat(new Cli(b.endpoint()).run("node", "maintenance", "exit", "node-b").exitCode()).isZero();
        assertThat(state(a.api(), "node-b")).isEqualTo("online");

        Cli.Run unknown = cli.run("node", "maintenance", "enter", "node-x");
        assertThat(unknown.exitCode()).isEqualTo(ErrorCode.NODE_NOT_FOUND.exitCode());
        assertThat(unknown.err()).contains("NODE_NOT_FOUND").contains("node 'node-x' is not a member of this cluster");
    }

    @Test
    void anyNodeAnswersForEveryVolume() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        a.api().createVolume(new VolumeCreate("on-b", 64 * ByteSize.MIB, Map.of()).on("node-b"));
        b.api().createVolume(new VolumeCreate("on-a", 64 * ByteSize.MIB, Map.of()).on("node-a"));
        try (TinyNbdClient client = new TinyNbdClient(b.nbdPort, "on-b")) {
            client.write(0, CrashTest.content(0, 42));
            client.flush();
        }

        // Asked on node A about node B's volume: B answers, with B's figures and B's NBD address.
        VolumeInfo seenFromA = a.api().getVolume("on-b");
        assertThat(seenFromA.node()).isEqualTo("node-b");
        assertThat(seenFromA.allocatedBytes()).isEqualTo(4096);
        assertThat(seenFromA.nbdUri()).isEqualTo("nbd://127.0.0.1:" + b.nbdPort + "/on-b");
        for (NodeProcess asked : List.of(a, b)) {
            assertThat(asked.api().listVolumes()).extracting(VolumeInfo::name).containsExactly("on-a", "on-b");
        }
        assertThat(a.api().listVolumes("node-b")).extracting(VolumeInfo::name).containsExactly("on-b");

        // Mutations through A land on B.
        a.api().createSnapshot("on-b", "s1");
        assertThat(b.api().listSnapshots("on-b")).extracting(SnapshotInfo::name).containsExactly("s1");
        assertThat(a.api().listSnapshots(null)).extracting(SnapshotInfo::name).containsExactly("s1");
        assertThat(a.api().resizeVolume("on-b", 128 * ByteSize.MIB).sizeBytes()).isEqualTo(128 * ByteSize.MIB);
        a.api().cloneVolume("on-b", "s1", "copy", Map.of());
        assertThat(b.api().getVolume("copy").node()).isEqualTo("node-b");
        try (TinyNbdClient client = new TinyNbdClient(b.nbdPort, "copy")) {
            assertThat(client.read(0, 4096)).isEqualTo(CrashTest.content(0, 42));
        }
        assertThatThrownBy(() -> a.api().createVolume(new VolumeCreate("on-b", ByteSize.MIB, Map.of())))
                .isInstanceOf(WharfException.class).extracting(e -> ((WharfException) e).code())
                .isEqualTo(ErrorCode.VOLUME_EXISTS);
        assertThatThrownBy(() -> a.api().createGroupSnapshot("g", List.of("on-a", "on-b")))
                .isInstanceOf(WharfException.class).extracting(e -> ((WharfException) e).code())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);

        // Node B offline: A still lists its volumes (from the store) and says why they are unavailable.
        b.kill9();
        Conditions.await("node-b offline", Duration.ofSeconds(10), () -> state(a.api(), "node-b").equals("offline"));
        assertThat(a.api().listVolumes()).filteredOn(v -> v.node().equals("node-b")).extracting(VolumeInfo::state)
                .containsOnly("unavailable");
        assertThatThrownBy(() -> a.api().getVolume("on-b")).isInstanceOf(WharfException.class)
                .hasMessageContaining("node 'node-b', which is offline");

        // B restarts with its data and A's volume is untouched by B's recovery.
        b.start();
        try (TinyNbdClient client = new TinyNbdClient(b.nbdPort, "on-b")) {
            assertThat(client.read(0, 4096)).isEqualTo(CrashTest.content(0, 42));
        }
        a.api().deleteVolume("copy", false);
        assertThat(b.api().listVolumes()).extracting(VolumeInfo::name).containsExactly("on-a", "on-b");
        assertThat(a.api().getVolume("on-a").state()).isEqualTo("available");
    }

    /**
     * A volume whose data is on node B, attached to node A: fio verifies through A's NBD server
     * (A reaches B's pool over the replication transport); B stops serving it meanwhile; a second
     * attach elsewhere is refused; after detach B serves the same data again. A storage-less node
     * can be the target too.
     */
    @Test
    void aVolumeAttachedToAnotherNodeIsServedThere() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        b.api().createVolume(new VolumeCreate("data", 128 * ByteSize.MIB, Map.of()).on("node-b"));
        assertThat(TinyNbdClientProbe.exists(b.nbdPort, "data")).isTrue();
        assertThat(TinyNbdClientProbe.exists(a.nbdPort, "data")).isFalse();

        Cli cli = new Cli(a.endpoint());
        Cli.Run attached = cli.run("volume", "attach", "data");
        assertThat(attached.out()).as(attached.err())
                .isEqualTo("volume data attached to node node-a: nbd://127.0.0.1:" + a.nbdPort + "/data\n");
        Conditions.await("node-b stops serving data", Duration.ofSeconds(10),
                () -> !TinyNbdClientProbe.exists(b.nbdPort, "data"));
        for (String[] job : new String[][] {
            {"--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=32m"},
            {"--rw=write", "--bs=1m", "--iodepth=8", "--size=64m"},
        }) {
            List<String> command = new ArrayList<>(List.of("fio", "--name=verify", "--ioengine=nbd",
                    "--uri=nbd://127.0.0.1:" + a.nbdPort + "/data", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1",
                    "--randrepeat=0", "--output-format=terse", "--verify_state_save=0"));
            command.addAll(List.of(job));
            Tools.Result result = Tools.run(600, command);
            assertThat(result.exitCode()).as("fio %s:\n%s", String.join(" ", job), result.output()).isZero();
        }
        byte[] head;
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "data")) {
            head = client.read(0, 64 * 1024);
        }
        VolumeInfo seen = b.api().getVolume("data");
        assertThat(seen.attachedTo()).isEqualTo("node-a");
        assertThat(seen.nbdUri()).isEqualTo("nbd://127.0.0.1:" + a.nbdPort + "/data");
        assertThat(seen.allocatedBytes()).as("the data is in node-b's pool").isGreaterThanOrEqualTo(64 * ByteSize.MIB);

        Cli.Run second = new Cli(b.endpoint()).run("volume", "attach", "data");
        assertThat(second.exitCode()).isEqualTo(ErrorCode.VOLUME_ATTACHED.exitCode());
        assertThat(second.err()).contains("VOLUME_ATTACHED").contains("volume 'data' is attached to node 'node-a'");
        assertThat(cli.run("volume", "attach", "data").exitCode()).as("attaching again to the same node").isZero();
        assertThatThrownBy(() -> b.api().deleteVolume("data", true)).isInstanceOf(WharfException.class)
                .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.VOLUME_ATTACHED);

        assertThat(new Cli(b.endpoint()).run("volume", "detach", "data").out())
                .isEqualTo("volume data detached: nbd://127.0.0.1:" + b.nbdPort + "/data\n");
        assertThat(TinyNbdClientProbe.exists(a.nbdPort, "data")).isFalse();
        Conditions.await("node-b serves data again", Duration.ofSeconds(10), () -> TinyNbdClientProbe.exists(b.nbdPort, "data"));
        try (TinyNbdClient client = new TinyNbdClient(b.nbdPort, "data")) {
            assertThat(client.read(0, 64 * 1024)).isEqualTo(head);
        }

        NodeProcess s = NodeProcess.inCluster(dir.resolve("node-s"), etcd.url(), "node-s", "--storageless",
                "--liveness-ttl", TTL_SECONDS);
        nodes.add(s);
        s.start();
        assertThat(a.api().attachVolume("data", "node-s").nbdUri()).isEqualTo("nbd://127.0.0.1:" + s.nbdPort + "/data");
        try (TinyNbdClient client = new TinyNbdClient(s.nbdPort, "data")) {
            assertThat(client.read(0, 64 * 1024)).isEqualTo(head);
        }

        // Grown where the data is, while attached to node-s: a client connected to node-s's growable export
        // reaches the new end on its open connection (online expansion), and new connections see the new size.
        try (TinyNbdClient growable = new TinyNbdClient(s.nbdPort, io.wharf.core.Names.growableExport("data"))) {
            a.api().resizeVolume("data", 192 * ByteSize.MIB);
            Conditions.await("node-s serves the new size", Duration.ofSeconds(20), () -> {
                try (TinyNbdClient fresh = new TinyNbdClient(s.nbdPort, "data")) {
                    return fresh.sizeBytes() == 192 * ByteSize.MIB;
                } catch (IOException e) {
                    return false;
                }
            });
            byte[] tail = new byte[4096];
            java.util.Arrays.fill(tail, (byte) 0x42);
            growable.write(160 * ByteSize.MIB, tail);
            growable.flush();
            assertThat(growable.read(160 * ByteSize.MIB, tail.length)).isEqualTo(tail);
        }
    }

    @Test
    void placementSpreadsVolumesAndHonoursConstraints() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        node("node-b", "zone-b");
        node("node-c", "zone-c", "--label", "disk=ssd");
        ApiClient api = a.api();
        for (String name : List.of("v1", "v2", "v3")) {
            api.createVolume(new VolumeCreate(name, 10 * ByteSize.GIB, Map.of()));
        }
        assertThat(api.listVolumes()).extracting(VolumeInfo::node).as("equal nodes take one volume each")
                .containsExactlyInAnyOrder("node-a", "node-b", "node-c");
        assertThat(api.listPools()).as("every node's pool, from any node").extracting(PoolInfo::node, PoolInfo::volumes)
                .containsExactlyInAnyOrder(tuple("node-a", 1), tuple("node-b", 1), tuple("node-c", 1));

        Cli cli = new Cli(a.endpoint());
        assertThat(cli.run("volume", "create", "in-c", "--size", "1GiB", "--zones", "zone-c").out())
                .startsWith("volume in-c created on node node-c: 1 GiB, nbd://127.0.0.1:");
        assertThat(api.createVolume(new VolumeCreate("pinned", ByteSize.GIB, Map.of()).on("node-b")).node())
                .isEqualTo("node-b");
        assertThat(find(api, "node-c").labels()).containsEntry("disk", "ssd");
        assertThat(cli.run("volume", "create", "fast", "--size", "1GiB", "--node-selector", "disk=ssd").out())
                .startsWith("volume fast created on node node-c");
        Cli.Run noLabel = cli.run("volume", "create", "nvme", "--size", "1GiB", "--node-selector", "disk=nvme");
        assertThat(noLabel.err()).contains("PLACEMENT_FAILED").contains("3 without label disk=nvme");

        cli.run("node", "maintenance", "enter", "node-b");
        for (int i = 0; i < 3; i++) {
            assertThat(api.createVolume(new VolumeCreate("new-" + i, ByteSize.GIB, Map.of())).node()).isNotEqualTo("node-b");
        }
        Cli.Run refused = cli.run("volume", "create", "nope", "--size", "1GiB", "--nodes", "node-b");
        assertThat(refused.exitCode()).isEqualTo(ErrorCode.PLACEMENT_FAILED.exitCode());
        assertThat(refused.err()).contains("PLACEMENT_FAILED")
                .contains("volume 'nope' needs 1 node and 0 can take it: 1 in maintenance; 2 not in --nodes node-b");
        Cli.Run tooBig = cli.run("volume", "create", "huge", "--size", "4TiB");
        assertThat(tooBig.err()).contains("CAPACITY_EXCEEDED").contains("without room for 4 TiB");
        assertThat(api.listVolumes()).extracting(VolumeInfo::name).doesNotContain("nope", "huge", "nvme");
    }

    @Test
    void storagelessNodesHoldNoDataAndDecommissionIsGuarded() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess s = NodeProcess.inCluster(dir.resolve("node-s"), etcd.url(), "node-s", "--storageless",
                "--liveness-ttl", TTL_SECONDS);
        nodes.add(s);
        s.start();
        for (String name : List.of("v1", "v2")) {
            assertThat(s.api().createVolume(new VolumeCreate(name, ByteSize.GIB, Map.of())).node()).isEqualTo("node-a");
        }
        assertThat(find(a.api(), "node-s").capacityBytes()).isZero();
        for (NodeProcess asked : List.of(a, s)) { // every node lists every pool; a storage-less node has none
            assertThat(asked.api().listPools()).singleElement().satisfies(pool -> {
                assertThat(pool.node()).isEqualTo("node-a");
                assertThat(pool.volumes()).isEqualTo(2);
                assertThat(pool.capacityBytes()).isPositive();
                assertThat(pool.path()).endsWith("pool");
            });
        }
        assertThatThrownBy(() -> s.api().createVolume(new VolumeCreate("v3", ByteSize.GIB, Map.of()).on("node-s")))
                .hasMessageContaining("1 storage-less");

        Cli cli = new Cli(a.endpoint());
        Cli.Run online = cli.run("node", "decommission", "node-s");
        assertThat(online.exitCode()).isEqualTo(ErrorCode.NODE_IN_USE.exitCode());
        assertThat(online.err()).contains("node 'node-s' is online");
        stopCleanly(s);
        assertThat(cli.run("node", "decommission", "node-s").out()).isEqualTo("node node-s decommissioned\n");
        assertThat(a.api().listNodes()).extracting(NodeInfo::id).containsExactly("node-a");

        a.kill9();
        a.start();
        stopCleanly(a);
        NodeProcess b = node("node-b", "zone-b");
        Cli.Run holder = new Cli(b.endpoint()).run("node", "decommission", "node-a");
        assertThat(holder.err()).contains("NODE_IN_USE").contains("node 'node-a' holds the only copy of 2 volumes: v1, v2");
    }

    /**
     * etcd stops and restarts while volumes are being created and deleted through both nodes: some
     * calls fail with UNAVAILABLE, and once etcd is back every record is READY and each node's
     * pool holds exactly the volumes recorded on it (no half-created volume, no orphaned data).
     */
    @Test
    void etcdRestartedDuringVolumeOperationsLeavesAConsistentCluster() throws Exception {
        List<NodeProcess> both = List.of(
                NodeProcess.inCluster(dir.resolve("node-a"), etcd.url(), "node-a", "--zone", "zone-a",
                        "--liveness-ttl", TTL_SECONDS, "--schedule-interval", "0.2"),
                NodeProcess.inCluster(dir.resolve("node-b"), etcd.url(), "node-b", "--zone", "zone-b",
                        "--liveness-ttl", TTL_SECONDS, "--schedule-interval", "0.2"));
        nodes.addAll(both);
        for (NodeProcess node : both) {
            node.start();
        }
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger successes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread load = Thread.ofPlatform().start(() -> {
            for (int i = 0; running.get(); i++) {
                ApiClient api = both.get(i % 2).api();
                try {
                    api.createVolume(new VolumeCreate("c-" + i, 16 * ByteSize.MIB, Map.of()));
                    if (i % 3 == 0) {
                        api.deleteVolume("c-" + i, false);
                    }
                    successes.incrementAndGet();
                } catch (WharfException e) {
                    failures.incrementAndGet();
                }
            }
        });
        try {
            Conditions.await("some operations", Duration.ofSeconds(30), () -> successes.get() >= 10);
            etcd.stop();
            Conditions.await("operations failing while etcd is down", Duration.ofSeconds(30), () -> failures.get() >= 3);
            etcd.start();
            int before = successes.get();
            Conditions.await("operations succeeding again", Duration.ofSeconds(60), () -> successes.get() >= before + 10);
        } finally {
            running.set(false);
            load.join();
        }
        System.out.println("operations: " + successes.get() + " succeeded, " + failures.get() + " failed");

        try (io.wharf.metadata.etcd.EtcdStore store = io.wharf.metadata.etcd.EtcdStore.open(etcd.config())) {
            Conditions.await("every intent settled and every pool matching its records", Duration.ofSeconds(30), () -> {
                List<io.wharf.metadata.model.VolumeRecord> records = store.range(io.wharf.metadata.model.Keys.volumes()).stream()
                        .map(kv -> io.wharf.metadata.model.ModelCodec.decode(kv.value().toByteArray(),
                                io.wharf.metadata.model.VolumeRecord.class)).toList();
                if (records.stream().anyMatch(r -> r.state() != io.wharf.metadata.model.VolumeState.READY)) {
                    return false;
                }
                for (NodeProcess node : both) {
                    String id = node.dataDir.getFileName().toString();
                    List<String> recorded = records.stream().filter(r -> r.node().equals(id))
                            .map(io.wharf.metadata.model.VolumeRecord::id).sorted().toList();
                    if (!recorded.equals(poolVolumes(node))) {
                        return false;
                    }
                }
                return true;
            });
        }
        for (NodeProcess node : both) {
            Conditions.await("node online again", Duration.ofSeconds(10),
                    () -> state(both.getFirst().api(), node.dataDir.getFileName().toString()).equals("online"));
        }
        List<String> listed = both.get(1).api().listVolumes().stream().map(VolumeInfo::name).toList();
        assertThat(both.get(0).api().listVolumes()).extracting(VolumeInfo::name).containsExactlyElementsOf(listed);
        assertThat(both.get(0).api().listVolumes()).extracting(VolumeInfo::state).containsOnly("available");
    }

    private static List<String> poolVolumes(NodeProcess node) {
        try (var entries = Files.list(node.dataDir.resolve("pool").resolve("volumes"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aSecondDataDirectoryCannotTakeAKnownNodeIdAndEtcdMustBeReachable() throws Exception {
        node("node-a", "zone-a").stop();
        NodeProcess impostor = NodeProcess.inCluster(dir.resolve("other-dir"), etcd.url(), "node-a");
        nodes.add(impostor);
        assertThatThrownBy(impostor::start).hasMessageContaining("NODE_ID_IN_USE")
                .hasMessageContaining("node id 'node-a' belongs to another node");

        int closedPort = NodeProcess.freePort();
        NodeProcess lonely = NodeProcess.inCluster(dir.resolve("lonely"), "etcd://127.0.0.1:" + closedPort, "node-z");
        nodes.add(lonely);
        assertThatThrownBy(lonely::start).hasMessageContaining("UNAVAILABLE").hasMessageContaining("127.0.0.1:" + closedPort);
        assertThat(Files.exists(dir.resolve("lonely"))).isTrue();
    }
}
