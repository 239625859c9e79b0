package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.ReplicationInfo;
import io.wharf.api.VolumeChecksum;
import io.wharf.api.VolumeInfo;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ErrorCode;
import io.wharf.metadata.etcd.EtcdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous replication with real node processes on a real etcd: a volume with three replicas
 * keeps serving fio's verified writes while a replica node is killed with {@code kill -9}; the node
 * returns and is resynced; the target node is killed and the volume is taken over elsewhere with
 * every flushed byte intact; an old target that comes back after a takeover is fenced.
 */
class ReplicationTest {
    private static final String TTL_SECONDS = "5"; // a shorter lease can lapse while JVMs start on a loaded 2-core machine
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private EtcdServer etcd;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<Process> clients = new ArrayList<>();

    @BeforeEach
    void startEtcd() {
        etcd = EtcdServer.startFresh();
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process client : clients) {
            client.destroyForcibly();
            client.waitFor(30, TimeUnit.SECONDS);
        }
        for (NodeProcess node : nodes) {
            if (node.alive()) {
                ProcessHandle.of(node.pid()).ifPresent(handle -> signal("CONT", node.pid())); // a frozen node must be able to die
            }
            node.close();
        }
        etcd.close();
    }

    private NodeProcess node(String id, String zone, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--zone", zone, "--rack", "r1", "--liveness-ttl", TTL_SECONDS));
        args.addAll(List.of(extra));
        NodeProcess node = NodeProcess.inCluster(dir.resolve(id), etcd.url(), id, args.toArray(String[]::new));
        nodes.add(node);
        node.start();
        return node;
    }

    private static ReplicationInfo replication(ApiClient api, String volume) {
        ReplicationInfo replication = api.getVolume(volume).replication();
        assertThat(replication).as("replication of " + volume).isNotNull();
        return replication;
    }

    private static Map<String, String> states(ApiClient api, String volume) {
        return replication(api, volume).replicas().stream()
                .collect(Collectors.toMap(ReplicationInfo.Replica::node, ReplicationInfo.Replica::state));
    }

    private static void awaitAllInSync(ApiClient api, String volume) {
        Conditions.await("every replica of " + volume + " in sync", CONVERGE, () -> {
            try {
                return states(api, volume).values().stream().allMatch("in-sync"::equals);
            } catch (RuntimeException e) {
                return false; // a node restarting
            }
        });
    }

    private static void signal(String name, long pid) {
        try {
            new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes of pool files a node holds on disk (sparse files count what is allocated). */
    private static long poolBytes(NodeProcess node, Path dataDir) {
        try {
            Tools.Result du = Tools.run(30, "du", "-sb", "--apparent-size", dataDir.toString());
            return Long.parseLong(du.output().split("\\s+")[0]);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private List<String> fio(int nbdPort, String volume, String... job) {
        List<String> command = new ArrayList<>(List.of("fio", "--name=verify", "--ioengine=nbd",
                "--uri=nbd://127.0.0.1:" + nbdPort + "/" + volume, "--verify=crc32c", "--do_verify=1", "--verify_fatal=1",
                "--randrepeat=0", "--output-format=terse", "--verify_state_save=0"));
        command.addAll(List.of(job));
        return command;
    }

    @Test
    void aReplicaNodeKilledMidWriteLosesNothingAndIsResynced() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        Cli cli = new Cli(a.endpoint());

        Cli.Run created = cli.run("volume", "create", "data", "--size", "256MiB", "--repl", "3");
        assertThat(created.out()).as(created.err()).startsWith("volume data created with 3 replicas on nodes node-a, ");
        ReplicationInfo fresh = replication(b.api(), "data");
        assertThat(fresh.repl()).isEqualTo(3);
        assertThat(fresh.epoch()).isEqualTo(1);
        assertThat(fresh.target()).isEqualTo("node-a");
        assertThat(states(c.api(), "data")).containsOnlyKeys("node-a", "node-b", "node-c").containsValues("in-sync");
        Cli.Run inspect = cli.run("volume", "inspect", "data");
        assertThat(inspect.out()).contains("repl 3, epoch 1, target node-a").contains("replica node-c").contains("in-sync");

        // fio writes and verifies through node-a; node-c is killed while the writes run.
        Process writer = new ProcessBuilder(fio(a.nbdPort, "data", "--rw=randwrite", "--bs=16k", "--iodepth=16",
                "--size=96m", "--rate=24m")).redirectErrorStream(true).start();
        clients.add(writer);
        Path cPool = dir.resolve("node-c");
        long before = poolBytes(c, cPool);
        Conditions.await("node-c receives writes", Duration.ofSeconds(60), () -> poolBytes(c, cPool) > before + 8 * (1 << 20));
        c.kill9();
        assertThat(writer.waitFor(300, TimeUnit.SECONDS)).as("fio finished").isTrue();
        String fioOutput = new String(writer.getInputStream().readAllBytes());
        assertThat(writer.exitValue()).as("fio through node-a while node-c died:\n%s", fioOutput).isZero();

        Map<String, String> degraded = states(a.api(), "data");
        assertThat(degraded).containsEntry("node-c", "out-of-sync").containsEntry("node-a", "in-sync")
                .containsEntry("node-b", "in-sync");
        VolumeChecksum partial = a.api().checksumVolume("data", null);
        assertThat(partial.match()).as("the replicas in sync agree while node-c is down").isTrue();

        c.start();
        awaitAllInSync(a.api(), "data");
        Cli.Run checksum = cli.run("volume", "checksum", "data");
        assertThat(checksum.exitCode()).as(checksum.out() + checksum.err()).isZero();
        List<String> digests = a.api().checksumVolume("data", null).replicas().stream().map(VolumeChecksum.Replica::digest).toList();
        assertThat(digests).hasSize(3).doesNotContainNull();
        assertThat(digests.stream().distinct()).hasSize(1);

        // After the resync the volume still takes writes that fio verifies.
        Tools.Result reread = Tools.run(300, fio(a.nbdPort, "data", "--rw=randwrite", "--bs=64k", "--iodepth=8", "--size=32m"));
        assertThat(reread.exitCode()).as(reread.output()).isZero();
    }

    @Test
    void aKilledTargetIsTakenOverElsewhereWithEveryFlushedByteAndIsFencedWhenItReturns() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        Cli cli = new Cli(c.endpoint());
        assertThat(cli.run("volume", "create", "db", "--size", "64MiB", "--repl", "3", "--nodes", "node-a,node-b,node-c")
                .exitCode()).isZero();

        // Attach on node-b: it takes the next epoch and serves; node-a stops.
        Cli.Run attached = cli.run("volume", "attach", "db", "--node", "node-b");
        assertThat(attached.out()).as(attached.err()).isEqualTo("volume db attached to node node-b: nbd://127.0.0.1:" + b.nbdPort + "/db\n");
        assertThat(replication(c.api(), "db").epoch()).isEqualTo(2);
        assertThat(replication(c.api(), "db").target()).isEqualTo("node-b");
        Conditions.await("node-a stops serving db", Duration.ofSeconds(10), () -> !TinyNbdClientProbe.exists(a.nbdPort, "db"));

        // Write 48 MiB of random data through node-b; nbdcopy flushes before it exits.
        Path image = dir.resolve("image.bin");
        byte[] data = new byte[48 << 20];
        new Random(7).nextBytes(data);
        Files.write(image, data);
        Tools.ok(120, "nbdcopy", image.toString(), "nbd://127.0.0.1:" + b.nbdPort + "/db");

        // kill -9 the target. While it still counts as online, an attach elsewhere is refused; once offline, only with --force.
        b.kill9();
        Conditions.await("node-b offline", Duration.ofSeconds(15),
                () -> c.api().listNodes().stream().anyMatch(n -> n.id().equals("node-b") && n.state().equals("offline")));
        Cli.Run refused = cli.run("volume", "attach", "db", "--node", "node-c");
        assertThat(refused.exitCode()).isEqualTo(ErrorCode.VOLUME_ATTACHED.exitCode());
        assertThat(refused.err()).contains("VOLUME_ATTACHED").contains("node 'node-b', which is offline").contains("--force");
        Cli.Run forced = cli.run("volume", "attach", "db", "--node", "node-c", "--force");
        assertThat(forced.exitCode()).as(forced.err()).isZero();
        ReplicationInfo takenOver = replication(c.api(), "db");
        assertThat(takenOver.epoch()).isEqualTo(3);
        assertThat(takenOver.target()).isEqualTo("node-c");
        assertThat(states(c.api(), "db")).containsEntry("node-b", "out-of-sync");

        Path readBack = dir.resolve("read-back.bin");
        Tools.ok(120, "nbdcopy", "nbd://127.0.0.1:" + c.nbdPort + "/db", readBack.toString());
        byte[] read = Files.readAllBytes(readBack);
        assertThat(java.util.Arrays.mismatch(data, 0, data.length, read, 0, data.length))
                .as("every flushed byte, read through the new target").isEqualTo(-1);

        // node-b returns: it does not serve db (node-c holds the epoch) and its copy is resynced.
        b.start();
        assertThat(TinyNbdClientProbe.exists(b.nbdPort, "db")).isFalse();
        awaitAllInSync(c.api(), "db");
        assertThat(c.api().checksumVolume("db", null).match()).isTrue();
    }

    /**
     * A target frozen (SIGSTOP: it can reach nobody, and its lease expires, as in a partition) while a
     * client is connected; the volume is taken over with --force; when the old target resumes, the
     * write its client sends fails: the replicas refuse its epoch.
     */
    @Test
    void aFrozenTargetThatResumesAfterATakeoverCannotWrite() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        ApiClient api = c.api();
        api.createVolume(new io.wharf.api.VolumeCreate("fenced", 16L << 20, Map.of(), null, null,
                List.of("node-a", "node-b"), List.of(), Map.of(), 2));
        api.attachVolume("fenced", "node-a", false);
        byte[] first = new byte[64 * 1024];
        new Random(1).nextBytes(first);
        try (TinyNbdClient old = new TinyNbdClient(a.nbdPort, "fenced")) {
            old.write(0, first);
            old.flush();

            signal("STOP", a.pid());
            Conditions.await("node-a offline", Duration.ofSeconds(15),
                    () -> api.listNodes().stream().anyMatch(n -> n.id().equals("node-a") && n.state().equals("offline")));
            VolumeInfo moved = api.attachVolume("fenced", "node-b", true);
            assertThat(moved.replication().target()).isEqualTo("node-b");
            signal("CONT", a.pid());

            byte[] stale = new byte[64 * 1024];
            java.util.Arrays.fill(stale, (byte) 0x5a);
            boolean refused;
            try {
                old.write(0, stale);
                old.flush();
                refused = false;
            } catch (IOException e) {
                refused = true; // an NBD error reply, or node-a disconnected its client on seeing the move
            }
            assertThat(refused).as("the old target's write after the takeover").isTrue();
        }
        try (TinyNbdClient now = new TinyNbdClient(b.nbdPort, "fenced")) {
            assertThat(now.read(0, first.length)).as("the data the fenced target could not overwrite").isEqualTo(first);
        }
    }

    /**
     * {@code volume resize} of a replicated volume grows it online: a client connected to its growable
     * export writes past the old end without reconnecting, every replica in sync grows, and a replica
     * whose node was killed ({@code kill -9}) before the resize grows when it returns and is resynced;
     * then every copy has the same bytes. A shrink is refused.
     */
    @Test
    void aReplicatedVolumeGrowsOnlineAndAReplicaAwayGrowsWhenItReturns() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        Cli cli = new Cli(b.endpoint());
        Cli.Run created = cli.run("volume", "create", "wide", "--size", "32MiB", "--repl", "3", "--nodes", "node-a,node-b,node-c");
        assertThat(created.exitCode()).as(created.out() + created.err()).isZero();
        awaitAllInSync(a.api(), "wide");
        String target = replication(a.api(), "wide").target();
        NodeProcess served = target.equals("node-a") ? a : target.equals("node-b") ? b : c;
        NodeProcess away = served == c ? b : c;
        byte[] early = CrashTest.content(4, 17);
        byte[] late = CrashTest.content(4, 18);
        try (TinyNbdClient client = new TinyNbdClient(served.nbdPort, "wide" + io.wharf.core.Names.GROWABLE_EXPORT_SUFFIX)) {
            client.write(8L << 20, early);
            client.flush();
            away.kill9();

            Cli.Run resize = cli.run("volume", "resize", "wide", "--size", "96MiB");
            assertThat(resize.exitCode()).as(resize.out() + resize.err()).isZero();
            assertThat(a.api().getVolume("wide").sizeBytes()).isEqualTo(96L << 20);
            client.write(90L << 20, late); // past the old end, on the connection opened before the resize
            client.flush();
            assertThat(client.read(90L << 20, late.length)).isEqualTo(late);
            assertThat(client.read(8L << 20, early.length)).isEqualTo(early);
        }
        assertThat(states(served.api(), "wide")).containsEntry(away == b ? "node-b" : "node-c", "out-of-sync");
        try (TinyNbdClient fresh = new TinyNbdClient(served.nbdPort, "wide")) {
            assertThat(fresh.sizeBytes()).as("a new connection sees the new size").isEqualTo(96L << 20);
        }
        Cli.Run shrink = cli.run("volume", "resize", "wide", "--size", "64MiB");
        assertThat(shrink.exitCode()).isEqualTo(ErrorCode.SHRINK_NOT_SUPPORTED.exitCode());

        away.start();
        awaitAllInSync(served.api(), "wide");
        VolumeChecksum checksum = served.api().checksumVolume("wide", null);
        assertThat(checksum.match()).as("%s", checksum).isTrue();
        assertThat(checksum.replicas()).as("each digest covers 96 MiB of its node's copy, so the returned one grew too").hasSize(3);
        try (TinyNbdClient reread = new TinyNbdClient(served.nbdPort, "wide")) {
            assertThat(reread.read(90L << 20, late.length)).isEqualTo(late);
        }
    }

    /**
     * A snapshot of a replicated volume is taken through its target on every replica in sync, so it
     * survives the loss of the volume's node: node-a (its node and target) is killed with {@code kill -9},
     * the volume is taken over on node-b, node-a's replica is replaced (on node-d, in its zone, which is
     * given the snapshot at its rebuild), another copy takes the volume's role, and the snapshot still
     * reads back the bytes of its time from there. Deleting it frees its storage on every copy.
     */
    @Test
    void aSnapshotOfAReplicatedVolumeIsOnEveryReplicaAndOutlivesTheLossOfTheVolumesNode() throws Exception {
        String[] fast = {"--schedule-interval", "1", "--repl-move-timeout", "2"};
        NodeProcess a = node("node-a", "zone-a", fast);
        NodeProcess b = node("node-b", "zone-b", fast);
        NodeProcess c = node("node-c", "zone-c", fast);
        node("node-d", "zone-a", fast);
        a.api().createVolume(new io.wharf.api.VolumeCreate("kept", 32L << 20, Map.of(), null, null,
                List.of("node-a", "node-b", "node-c"), List.of(), Map.of(), 3));
        assertThat(a.api().getVolume("kept").node()).isEqualTo("node-a");
        byte[] then = new byte[4 << 20];
        new Random(21).nextBytes(then);
        byte[] now = new byte[4 << 20];
        new Random(22).nextBytes(now);
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "kept")) {
            client.write(0, then);
            client.flush();
        }
        Cli.Run taken = new Cli(c.endpoint()).run("snapshot", "create", "kept", "--name", "before");
        assertThat(taken.exitCode()).as(taken.out() + taken.err()).isZero();
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "kept")) {
            client.write(0, now);
            client.flush();
        }

        a.kill9();
        Conditions.await("node-a offline", Duration.ofSeconds(15),
                () -> b.api().listNodes().stream().anyMatch(n -> n.id().equals("node-a") && n.state().equals("offline")));
        b.api().attachVolume("kept", "node-b", true);
        Conditions.await("node-a's replica replaced and the volume's role moved", CONVERGE, () -> {
            try {
                return states(b.api(), "kept").keySet().equals(java.util.Set.of("node-b", "node-c", "node-d"))
                        && !b.api().getVolume("kept").node().equals("node-a");
            } catch (RuntimeException e) {
                return false;
            }
        });
        String home = b.api().getVolume("kept").node();
        NodeProcess holder = home.equals("node-b") ? b : c;
        NodeProcess other = holder == b ? c : b;
        assertThat(b.api().listSnapshots("kept")).extracting(io.wharf.api.SnapshotInfo::name).containsExactly("before");
        try (TinyNbdClient snapshot = new TinyNbdClient(holder.nbdPort, "kept@before")) {
            assertThat(snapshot.read(0, then.length)).as("the snapshot, read from " + home).isEqualTo(then);
        }
        try (TinyNbdClient snapshot = new TinyNbdClient(other.nbdPort, "kept@before")) {
            assertThat(snapshot.read(0, then.length)).as("the other copy that took it serves it too").isEqualTo(then);
        }
        try (TinyNbdClient volume = new TinyNbdClient(b.nbdPort, "kept")) {
            assertThat(volume.read(0, now.length)).isEqualTo(now);
            Cli.Run busy = new Cli(c.endpoint()).run("volume", "revert", "kept", "--to", "before");
            assertThat(busy.exitCode()).as(busy.err()).isEqualTo(ErrorCode.VOLUME_IN_USE.exitCode());
        }

        // The revert brings every copy back: node-b and node-c took the snapshot, node-d was given it when repair
        // rebuilt it; each reverts.
        Cli.Run revert = new Cli(c.endpoint()).run("volume", "revert", "kept", "--to", "before");
        assertThat(revert.exitCode()).as(revert.out() + revert.err()).isZero();
        try (TinyNbdClient volume = new TinyNbdClient(b.nbdPort, "kept")) {
            assertThat(volume.read(0, then.length)).as("the volume reads as its snapshot again").isEqualTo(then);
        }
        awaitAllInSync(b.api(), "kept");
        VolumeChecksum reverted = b.api().checksumVolume("kept", null);
        assertThat(reverted.match()).as("%s", reverted).isTrue();
        assertThat(reverted.replicas()).hasSize(3);

        String id = b.api().getVolume("kept").id();
        for (String copy : List.of("node-b", "node-c", "node-d")) {
            assertThat(snapshotsOf(copy, id)).as("snapshots of the copy on " + copy).hasSize(1); // node-d's: written at its rebuild
        }
        b.api().deleteSnapshot("kept", "before");
        for (String copy : List.of("node-b", "node-c", "node-d")) {
            Conditions.await("the snapshot's storage freed on " + copy, Duration.ofSeconds(30), () -> snapshotsOf(copy, id).isEmpty());
        }
        assertThat(TinyNbdClientProbe.exists(other.nbdPort, "kept@before")).isFalse();
    }

    /**
     * A group snapshot of replicated volumes is taken on every replica in sync of each of them, in
     * one cut: each copy on the other node serves the group's snapshot with the bytes written before it.
     */
    @Test
    void aGroupSnapshotOfReplicatedVolumesIsTakenOnEveryReplicaOfEach() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        List<String> volumes = List.of("data", "log");
        Map<String, byte[]> then = new java.util.HashMap<>();
        for (String volume : volumes) {
            a.api().createVolume(new io.wharf.api.VolumeCreate(volume, 16L << 20, Map.of(), null, null,
                    List.of("node-a", "node-b"), List.of(), Map.of(), 2));
            awaitAllInSync(a.api(), volume);
            byte[] bytes = new byte[2 << 20];
            new Random(volume.hashCode()).nextBytes(bytes);
            then.put(volume, bytes);
            try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, volume)) {
                client.write(0, bytes);
                client.flush();
            }
        }
        Cli.Run taken = new Cli(b.endpoint()).run("snapshot", "create", "data", "log", "--group", "cut");
        assertThat(taken.exitCode()).as(taken.out() + taken.err()).isZero();
        byte[] after = new byte[2 << 20];
        new Random(3).nextBytes(after);
        for (String volume : volumes) {
            try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, volume)) {
                client.write(0, after);
                client.flush();
            }
        }

        for (String volume : volumes) {
            String id = a.api().getVolume(volume).id();
            for (String copy : List.of("node-a", "node-b")) {
                assertThat(snapshotsOf(copy, id)).as("snapshots of " + volume + "'s copy on " + copy).hasSize(1);
            }
            try (TinyNbdClient snapshot = new TinyNbdClient(b.nbdPort, volume + "@cut")) {
                assertThat(snapshot.read(0, after.length)).as(volume + "@cut, read from node-b's copy").isEqualTo(then.get(volume));
            }
        }
        a.api().deleteSnapshot("log", "cut");
        String log = a.api().getVolume("log").id();
        Conditions.await("log@cut's storage freed on node-b", Duration.ofSeconds(30), () -> snapshotsOf("node-b", log).isEmpty());
        assertThat(snapshotsOf("node-b", a.api().getVolume("data").id())).as("data@cut stays").hasSize(1);
    }

    /** The snapshots the storage engine keeps for a node's copy of a volume: the {@code snapshot.} lines of its metadata. */
    private List<String> snapshotsOf(String node, String volumeId) {
        Path meta = dir.resolve(node).resolve("pool").resolve("volumes").resolve(volumeId).resolve("volume.meta");
        try {
            return Files.readAllLines(meta).stream().filter(line -> line.startsWith("snapshot.")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code volume update --repl}: an unreplicated volume becomes replicated (its copy in sync, a new one
     * rebuilt online), a third replica is added and rebuilt, one is removed and its copy deleted; deleting
     * the volume deletes every copy.
     */
    @Test
    void replicasAreAddedRebuiltRemovedAndDeletedWithTheVolume() throws Exception {
        NodeProcess a = node("node-a", "zone-a", "--schedule-interval", "1");
        NodeProcess b = node("node-b", "zone-b", "--schedule-interval", "1");
        NodeProcess c = node("node-c", "zone-c", "--schedule-interval", "1");
        Cli cli = new Cli(b.endpoint());
        assertThat(cli.run("volume", "create", "grow", "--size", "64MiB", "--nodes", "node-a").exitCode()).isZero();
        Path image = dir.resolve("image.bin");
        byte[] data = new byte[24 << 20];
        new Random(11).nextBytes(data);
        Files.write(image, data);
        Tools.ok(120, "nbdcopy", image.toString(), "nbd://127.0.0.1:" + a.nbdPort + "/grow");
        assertThat(cli.run("snapshot", "create", "grow", "--name", "single").exitCode()).isZero(); // before it is replicated

        Cli.Run two = cli.run("volume", "update", "grow", "--repl", "2");
        assertThat(two.exitCode()).as(two.out() + two.err()).isZero();
        awaitAllInSync(b.api(), "grow");
        assertThat(states(b.api(), "grow")).hasSize(2).containsKey("node-a");
        assertThat(b.api().checksumVolume("grow", null).match()).isTrue();
        assertThat(b.api().getSnapshot("grow", "single").nodes()).as("the added copy was given the snapshot")
                .containsExactlyInAnyOrderElementsOf(states(b.api(), "grow").keySet());

        assertThat(cli.run("volume", "update", "grow", "--repl", "3").exitCode()).isZero();
        awaitAllInSync(b.api(), "grow");
        assertThat(states(b.api(), "grow")).containsOnlyKeys("node-a", "node-b", "node-c");
        VolumeChecksum three = b.api().checksumVolume("grow", null);
        assertThat(three.match()).as("%s", three).isTrue();
        assertThat(three.replicas()).hasSize(3);
        assertThat(b.api().getSnapshot("grow", "single").nodes()).containsExactlyInAnyOrder("node-a", "node-b", "node-c");

        Cli.Run removed = cli.run("volume", "update", "grow", "--repl", "2");
        assertThat(removed.exitCode()).as(removed.out() + removed.err()).isZero();
        Map<String, String> left = states(b.api(), "grow");
        assertThat(left).hasSize(2).containsKey("node-a");
        assertThat(b.api().getSnapshot("grow", "single").nodes()).as("the removed copy's node no longer holds it")
                .containsExactlyInAnyOrderElementsOf(left.keySet());
        String gone = List.of("node-b", "node-c").stream().filter(n -> !left.containsKey(n)).findFirst().orElseThrow();
        NodeProcess goneNode = gone.equals("node-b") ? b : c;
        String id = b.api().getVolume("grow").id();
        Conditions.await("the removed replica's copy deleted on " + gone, Duration.ofSeconds(30),
                () -> !Files.exists(dir.resolve(gone).resolve("replicas").resolve(id + ".replica")));

        Path readBack = dir.resolve("read-back.bin");
        Tools.ok(120, "nbdcopy", "nbd://127.0.0.1:" + a.nbdPort + "/grow", readBack.toString());
        byte[] read = Files.readAllBytes(readBack);
        assertThat(java.util.Arrays.mismatch(data, 0, data.length, read, 0, data.length)).isEqualTo(-1);

        Cli.Run refused = cli.run("volume", "update", "grow", "--repl", "4");
        assertThat(refused.exitCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.exitCode());
        assertThat(refused.err()).contains("--repl must be 1, 2 or 3");

        assertThat(cli.run("volume", "delete", "grow", "--force").exitCode()).isZero();
        for (String node : List.of("node-a", "node-b", "node-c")) {
            Conditions.await("every copy deleted on " + node, Duration.ofSeconds(30),
                    () -> !Files.exists(dir.resolve(node).resolve("replicas").resolve(id + ".replica")));
        }
        assertThat(goneNode.api().listVolumes()).isEmpty();
    }

    /**
     * A replica added after snapshots were taken is rebuilt with them: before the copy is rebuilt, each
     * snapshot is written into it (oldest first, only what changed since the one before) and sealed. The
     * volume is attached on a storage-less node, so the target holds no copy and the snapshots come from
     * node-a's over the replication transport. The new node then serves each snapshot from its own copy,
     * with the bytes it held, trims included, and holds the volume's current bytes.
     */
    @Test
    void aReplicaAddedLaterIsRebuiltWithTheSnapshotsTakenBefore() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        NodeProcess s = node("node-s", "zone-s", "--storageless");
        int size = 16 << 20;
        a.api().createVolume(new io.wharf.api.VolumeCreate("aged", size, Map.of(), null, null,
                List.of("node-a", "node-b"), List.of(), Map.of(), 2));
        awaitAllInSync(a.api(), "aged");
        byte[] one = new byte[size];
        byte[] first = randomBytes(31, 2 << 20);
        System.arraycopy(first, 0, one, 0, first.length);
        byte[] two = one.clone();
        byte[] second = randomBytes(32, 1 << 20);
        byte[] third = randomBytes(33, 1 << 20);
        System.arraycopy(second, 0, two, 1 << 20, second.length);
        java.util.Arrays.fill(two, 0, 512 << 10, (byte) 0);
        System.arraycopy(third, 0, two, 8 << 20, third.length);
        byte[] now = two.clone();
        byte[] fourth = randomBytes(34, 1 << 20);
        System.arraycopy(fourth, 0, now, 4 << 20, fourth.length);
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "aged")) {
            client.write(0, first);
            client.flush();
            a.api().createSnapshot("aged", "one");
            client.write(1 << 20, second);
            client.trim(0, 512 << 10);
            client.write(8 << 20, third);
            client.flush();
            a.api().createSnapshot("aged", "two");
            client.write(4 << 20, fourth);
            client.flush();
        }
        String id = a.api().getVolume("aged").id();
        a.api().attachVolume("aged", "node-s");

        Cli.Run three = new Cli(a.endpoint()).run("volume", "update", "aged", "--repl", "3");
        assertThat(three.exitCode()).as(three.out() + three.err()).isZero();
        awaitAllInSync(a.api(), "aged");
        assertThat(snapshotsOf("node-c", id)).as("the copy rebuilt on node-c holds both snapshots").hasSize(2);
        assertThat(readAll(c.nbdPort, "aged@one", size)).as("aged@one, served from node-c's copy").isEqualTo(one);
        assertThat(readAll(c.nbdPort, "aged@two", size)).as("aged@two, served from node-c's copy").isEqualTo(two);
        VolumeChecksum checksums = a.api().checksumVolume("aged", null);
        assertThat(checksums.match()).as("%s", checksums).isTrue();
        assertThat(checksums.replicas()).hasSize(3);
        assertThat(states(a.api(), "aged")).as("node-s serves it and holds no copy").containsOnlyKeys("node-a", "node-b", "node-c");
        try (TinyNbdClient volume = new TinyNbdClient(s.nbdPort, "aged")) {
            assertThat(volume.read(0, size)).isEqualTo(now);
        }
    }

    /**
     * A snapshot taken while node-b was away is held by node-a's copy alone. When node-a is lost and
     * replaced, no copy holds it any more: it is listed as lost with no node, clones and reverts of it
     * are refused with a clear error, and deleting it works.
     */
    @Test
    void aSnapshotNoCopyHoldsAnyMoreIsListedLostAndCanOnlyBeDeleted() throws Exception {
        String[] fast = {"--schedule-interval", "1", "--repl-move-timeout", "2"};
        NodeProcess a = node("node-a", "zone-a", fast);
        NodeProcess b = node("node-b", "zone-b", fast);
        node("node-c", "zone-c", fast);
        a.api().createVolume(new io.wharf.api.VolumeCreate("fading", 16L << 20, Map.of(), null, null,
                List.of("node-a", "node-b"), List.of(), Map.of(), 2));
        awaitAllInSync(a.api(), "fading");
        b.kill9();
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "fading")) {
            client.write(0, randomBytes(41, 1 << 20));
            client.flush();
        }
        a.api().createSnapshot("fading", "alone");
        assertThat(a.api().getSnapshot("fading", "alone").nodes()).as("taken while node-b was away").containsExactly("node-a");
        b.start();
        awaitAllInSync(a.api(), "fading");

        a.kill9();
        Conditions.await("node-a offline", Duration.ofSeconds(15),
                () -> b.api().listNodes().stream().anyMatch(n -> n.id().equals("node-a") && n.state().equals("offline")));
        b.api().attachVolume("fading", "node-b", true);
        Conditions.await("node-a's replica replaced and the volume's role moved", CONVERGE, () -> {
            try {
                return states(b.api(), "fading").keySet().equals(java.util.Set.of("node-b", "node-c"))
                        && !b.api().getVolume("fading").node().equals("node-a");
            } catch (RuntimeException e) {
                return false;
            }
        });
        io.wharf.api.SnapshotInfo lost = b.api().getSnapshot("fading", "alone");
        assertThat(lost.state()).isEqualTo(io.wharf.api.SnapshotInfo.LOST);
        assertThat(lost.nodes()).isEmpty();
        Cli cli = new Cli(b.endpoint());
        Cli.Run list = cli.run("snapshot", "list", "fading");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("alone").contains("none (lost: delete it)");
        Cli.Run clone = cli.run("volume", "clone", "fading@alone", "revived");
        assertThat(clone.exitCode()).as(clone.out() + clone.err()).isEqualTo(ErrorCode.UNAVAILABLE.exitCode());
        assertThat(clone.err()).contains("snapshot 'fading@alone' is lost: no copy of volume 'fading' holds it any more")
                .contains("wharf snapshot delete fading@alone").doesNotContain("Exception");
        Cli.Run revert = cli.run("volume", "revert", "fading", "--to", "alone");
        assertThat(revert.exitCode()).as(revert.out() + revert.err()).isEqualTo(ErrorCode.UNAVAILABLE.exitCode());
        assertThat(revert.err()).contains("is lost");
        Cli.Run delete = cli.run("snapshot", "delete", "fading@alone");
        assertThat(delete.exitCode()).as(delete.out() + delete.err()).isZero();
        assertThat(b.api().listSnapshots("fading")).isEmpty();
    }

    /**
     * Reducing the replicas keeps the copies that hold the volume's snapshots: a replica away while a
     * snapshot was taken comes back without it, so it is the one removed, and the snapshot keeps two copies.
     */
    @Test
    void reducingTheReplicasRemovesACopyWithoutTheSnapshotsFirst() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        a.api().createVolume(new io.wharf.api.VolumeCreate("kept", 16L << 20, Map.of(), null, null,
                List.of("node-a", "node-b", "node-c"), List.of(), Map.of(), 3));
        awaitAllInSync(a.api(), "kept");
        c.kill9();
        byte[] before = randomBytes(5, 1 << 20);
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "kept")) {
            client.write(0, before);
            client.flush();
        }
        assertThat(states(a.api(), "kept")).as("after a write node-c missed").containsEntry("node-c", "out-of-sync");
        a.api().createSnapshot("kept", "before");
        String id = a.api().getVolume("kept").id();
        c.start();
        awaitAllInSync(a.api(), "kept");
        assertThat(snapshotsOf("node-c", id)).as("node-c's copy, resynced, holds no snapshot taken while it was away").isEmpty();

        Cli.Run two = new Cli(a.endpoint()).run("volume", "update", "kept", "--repl", "2");
        assertThat(two.exitCode()).as(two.out() + two.err()).isZero();
        assertThat(states(a.api(), "kept")).as("the copies left").containsOnlyKeys("node-a", "node-b");
        Conditions.await("node-c's copy deleted", Duration.ofSeconds(30),
                () -> !Files.exists(dir.resolve("node-c").resolve("replicas").resolve(id + ".replica")));
        assertThat(snapshotsOf("node-b", id)).as("node-b's copy still holds the snapshot").hasSize(1);
        try (TinyNbdClient snapshot = new TinyNbdClient(b.nbdPort, "kept@before")) {
            assertThat(snapshot.read(0, before.length)).as("kept@before, read from node-b's copy").isEqualTo(before);
        }
    }

    private static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Reads a whole export a MiB at a time. */
    private static byte[] readAll(int nbdPort, String export, int size) throws IOException {
        byte[] all = new byte[size];
        try (TinyNbdClient client = new TinyNbdClient(nbdPort, export)) {
            for (int at = 0; at < size; at += 1 << 20) {
                System.arraycopy(client.read(at, 1 << 20), 0, all, at, 1 << 20);
            }
        }
        return all;
    }

    /**
     * A replica whose node stays offline past {@code --repl-move-timeout} is replaced: the target places a
     * new one in the lost node's zone (node-d, not node-c), rebuilds it, and drops the lost one; when the
     * lost node comes back, its stale copy is deleted.
     */
    @Test
    void aReplicaOfflinePastTheMoveTimeoutIsReplacedInItsZone() throws Exception {
        String[] fast = {"--schedule-interval", "1", "--repl-move-timeout", "2"};
        NodeProcess a = node("node-a", "zone-a", fast);
        NodeProcess b = node("node-b", "zone-b", fast);
        node("node-c", "zone-c", fast);
        NodeProcess d = node("node-d", "zone-b", fast);
        ApiClient api = a.api();
        api.createVolume(new io.wharf.api.VolumeCreate("moving", 32L << 20, Map.of(), null, null, List.of("node-a", "node-b"),
                List.of(), Map.of(), 2));
        byte[] data = new byte[4 << 20];
        new Random(3).nextBytes(data);
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "moving")) {
            client.write(0, data);
            client.flush();
        }
        String id = api.getVolume("moving").id();

        b.kill9();
        Conditions.await("node-b's replica replaced", CONVERGE, () -> states(api, "moving").keySet().equals(java.util.Set.of("node-a", "node-d")));
        awaitAllInSync(api, "moving");
        assertThat(api.checksumVolume("moving", null).match()).isTrue();
        assertThat(TinyNbdClientProbe.exists(d.nbdPort, "moving")).as("node-d holds a copy; node-a serves it").isFalse();
        assertThat(d.api().checksumVolume("moving", "node-d").replicas().getFirst().digest())
                .isEqualTo(api.checksumVolume("moving", "node-a").replicas().getFirst().digest());

        b.start();
        Conditions.await("node-b's stale copy deleted", Duration.ofSeconds(30),
                () -> !Files.exists(dir.resolve("node-b").resolve("replicas").resolve(id + ".replica")));
        try (TinyNbdClient client = new TinyNbdClient(a.nbdPort, "moving")) {
            assertThat(client.read(0, data.length)).isEqualTo(data);
        }
    }
}
