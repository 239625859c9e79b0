package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.api.VolumeCreate;
import io.wharf.metadata.etcd.EtcdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL server on ext4 on a volume with two replicas (nodes a and b), three node
 * processes on a real etcd: pgbench runs while the replica node is killed with {@code kill -9} and
 * no transaction fails; then, with both replicas in sync again, the target node is killed, the volume
 * is taken over on node c, PostgreSQL restarts there (crash recovery) and every transaction whose
 * commit was acknowledged is present. Needs root (mounts) and Debian's postgresql package.
 */
class PostgresReplicationTest {
    private static final Path PG_BIN = findPostgres();

    @TempDir
    Path dir;

    private EtcdServer etcd;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private Path mountPoint;
    private Path socketDir;
    private int port;
    private Cli mountedThrough;

    @BeforeEach
    void setUp() throws IOException, InterruptedException {
        assumeTrue(PG_BIN != null, "PostgreSQL server binaries (Debian package postgresql) are not installed");
        etcd = EtcdServer.startFresh();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // postgres must reach its data
        mountPoint = dir.resolve("mnt");
        socketDir = Files.createDirectories(dir.resolve("sockets"));
        Tools.ok(30, "chown", "postgres", socketDir.toString());
        port = NodeProcess.freePort();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            stopPostgresIfRunning();
            if (Files.exists(mountPoint) && Files.readString(Path.of("/proc/mounts")).contains(" " + mountPoint + " ")) {
                mountedThrough.run("volume", "unmount", mountPoint.toString());
            }
        } finally {
            for (NodeProcess node : nodes) {
                node.close();
            }
            if (etcd != null) {
                etcd.close();
            }
        }
        MountResidue.assertNone(dir);
    }

    private static Path findPostgres() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(bin -> Files.isExecutable(bin.resolve("pg_ctl"))).findFirst()
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private NodeProcess node(String id, String zone) throws IOException {
        NodeProcess node = NodeProcess.inCluster(dir.resolve(id), etcd.url(), id, "--zone", zone, "--liveness-ttl", "5");
        nodes.add(node);
        node.start();
        return node;
    }

    private static String asPostgres(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        Tools.Result result = Tools.run(timeoutSeconds, full);
        assertThat(result.exitCode()).as("%s\n%s", String.join(" ", full), result.output()).isZero();
        return result.output();
    }

    private Path dataDir() {
        return mountPoint.resolve("pgdata");
    }

    private void startPostgres() throws IOException, InterruptedException {
        asPostgres(120, PG_BIN.resolve("pg_ctl").toString(), "-D", dataDir().toString(), "-w", "-t", "100",
                "-l", mountPoint.resolve("postgres.log").toString(), "-o",
                "-p " + port + " -k " + socketDir + " -c listen_addresses=127.0.0.1 -c shared_buffers=32MB", "start");
    }

    private void stopPostgresIfRunning() throws IOException, InterruptedException {
        Path pid = dataDir().resolve("postmaster.pid");
        if (mountPoint != null && Files.exists(pid)) {
            Tools.run(60, "runuser", "-u", "postgres", "--", PG_BIN.resolve("pg_ctl").toString(), "-D", dataDir().toString(),
                    "-m", "immediate", "-w", "-t", "30", "stop");
        }
    }

    /** Kills the postmaster (and so its children) of the server we started: after its disk vanished it cannot stop cleanly. */
    private void killPostgres() throws IOException, InterruptedException {
        Tools.Result pids = Tools.run(30, "pgrep", "-f", "postgres -D " + dataDir());
        for (String pid : pids.output().trim().split("\\s+")) {
            if (!pid.isBlank()) {
                Tools.run(30, "kill", "-9", pid);
            }
        }
        Conditions.await("postgres gone", Duration.ofSeconds(60),
                () -> {
                    try {
                        return Tools.run(30, "pgrep", "-f", "postgres -D " + dataDir()).exitCode() != 0;
                    } catch (IOException | InterruptedException e) {
                        return false;
                    }
                });
    }

    private String sql(String statement) throws IOException, InterruptedException {
        Tools.Result result = Tools.run(60, "psql", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", "-At", "-c",
                statement, "postgres");
        assertThat(result.exitCode()).as("psql -c %s\n%s", statement, result.output()).isZero();
        return result.output().trim();
    }

    private void mount(Cli cli) {
        mountedThrough = cli;
        Cli.Run mounted = cli.run("volume", "mount", "pg", mountPoint.toString());
        assertThat(mounted.exitCode()).as(mounted.out() + mounted.err()).isZero();
    }

    @Test
    void pgbenchLosesNothingWhenAReplicaOrTheTargetNodeIsKilled() throws Exception {
        NodeProcess a = node("node-a", "zone-a");
        NodeProcess b = node("node-b", "zone-b");
        NodeProcess c = node("node-c", "zone-c");
        a.api().createVolume(new VolumeCreate("pg", 1L << 30, Map.of(), null, null, List.of("node-a", "node-b"), List.of(), Map.of(), 2));
        mount(new Cli(a.endpoint()));
        Tools.ok(30, "chown", "postgres", mountPoint.toString());
        asPostgres(120, PG_BIN.resolve("initdb").toString(), "-D", dataDir().toString(), "-U", "postgres", "--auth=trust");
        startPostgres();
        Tools.ok(300, "pgbench", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", "-i", "-s", "4", "postgres");

        // 1. pgbench (TPC-B like) while the replica node is killed: no transaction fails.
        Process bench = new ProcessBuilder("pgbench", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres",
                "-c", "4", "-j", "2", "-T", "25", "postgres").redirectErrorStream(true).start();
        try {
            Conditions.await("pgbench commits", Duration.ofSeconds(60),
                    () -> {
                        try {
                            return Long.parseLong(sql("select count(*) from pgbench_history")) > 300;
                        } catch (IOException | InterruptedException | AssertionError e) {
                            return false;
                        }
                    });
            b.kill9();
            assertThat(bench.waitFor(180, TimeUnit.SECONDS)).as("pgbench finished").isTrue();
            String report = new String(bench.getInputStream().readAllBytes());
            assertThat(bench.exitValue()).as(report).isZero();
            assertThat(report).contains("number of failed transactions: 0");
            System.out.println("pgbench while node-b was killed:\n" + report);
        } finally {
            bench.destroyForcibly();
        }
        assertThat(a.api().getVolume("pg").replication().replicas()).anySatisfy(r -> {
            assertThat(r.node()).isEqualTo("node-b");
            assertThat(r.state()).isEqualTo("out-of-sync");
        });
        b.start();
        Conditions.await("node-b resynced", Duration.ofSeconds(120), () -> a.api().getVolume("pg").replication().replicas()
                .stream().allMatch(r -> r.state().equals("in-sync")));

        // 2. Committed inserts, each acknowledged one counted, while the target node is killed.
        sql("create table ledger (id bigint primary key)");
        AtomicInteger acknowledged = new AtomicInteger();
        Thread writer = Thread.ofPlatform().name("ledger").start(() -> {
            for (int id = 1; ; id++) {
                try {
                    Tools.Result insert = Tools.run(30, "psql", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres",
                            "-At", "-c", "insert into ledger values (" + id + ")", "postgres");
                    if (insert.exitCode() != 0) {
                        return;
                    }
                    acknowledged.set(id);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        Conditions.await("inserts acknowledged", Duration.ofSeconds(60), () -> acknowledged.get() >= 100);
        a.kill9();
        writer.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(writer.isAlive()).as("the writer stops once its server lost its disk").isFalse();
        int committed = acknowledged.get();
        killPostgres();
        Cli.Run unmounted = mountedThrough.run("volume", "unmount", mountPoint.toString());
        assertThat(unmounted.exitCode()).as(unmounted.out() + unmounted.err()).isZero();

        Conditions.await("node-a offline", Duration.ofSeconds(15),
                () -> c.api().listNodes().stream().anyMatch(n -> n.id().equals("node-a") && n.state().equals("offline")));
        Cli onC = new Cli(c.endpoint());
        Cli.Run attached = onC.run("volume", "attach", "pg", "--node", "node-c", "--force");
        assertThat(attached.exitCode()).as(attached.out() + attached.err()).isZero();
        mount(onC);
        startPostgres();
        assertThat(Long.parseLong(sql("select count(*) from ledger where id <= " + committed)))
                .as("acknowledged commits present after the takeover (%d acknowledged)", committed).isEqualTo(committed);
        assertThat(Long.parseLong(sql("select count(*) from pgbench_history"))).isPositive();
        System.out.println("committed and acknowledged before the target was killed: " + committed);
    }
}
