package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.BackupCreate;
import io.wharf.api.BackupStatus;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.client.ApiClient;
import io.wharf.backup.S3ProxyServer;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups of real nodes' volumes to a real S3 server (s3proxy on loopback) through the CLI: full
 * and incremental backups, restores checked byte for byte through NBD, a restore on a fresh node
 * with its own store (another cluster), a node killed with kill -9 in the middle of an upload that
 * resumes and finishes, and the refusals.
 */
class BackupTest {
    private static final long SIZE = 64 * ByteSize.MIB;

    @TempDir
    Path dir;
    private S3ProxyServer s3;
    private NodeProcess node;
    private NodeProcess other;

    @BeforeEach
    void start() throws Exception {
        Tools.require("nbdcopy");
        Tools.require("qemu-io");
        s3 = S3ProxyServer.start();
        s3.createBucket("wharf-it");
        node = NodeProcess.started(dir.resolve("node"), "--schedule-interval", "0.2");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (NodeProcess process : new NodeProcess[] {node, other}) {
            if (process != null) {
                process.close();
            }
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private Cli.Run addTarget(NodeProcess on, String name, String passphrase) throws IOException {
        Path file = Files.writeString(dir.resolve(name + "-" + on.apiPort + ".pass"), passphrase + "\n");
        return new Cli(on.endpoint()).run("backup", "target", "add", name, "--s3", s3.endpoint.toString(), "--bucket", "wharf-it",
                "--prefix", "cluster-a", "--access-key-id", S3ProxyServer.ACCESS_KEY, "--secret-access-key", S3ProxyServer.SECRET_KEY,
                "--encryption-passphrase-file", file.toString());
    }

    /** Writes {@code image} over the whole volume with nbdcopy (holes as zeros). */
    private static void copyIn(NodeProcess on, Path image, String volume) throws Exception {
        Tools.ok(120, "nbdcopy", image.toString(), "nbd://127.0.0.1:" + on.nbdPort + "/" + volume);
    }

    private String digest(NodeProcess on, String volume) throws Exception {
        Path out = dir.resolve(volume + "-" + on.apiPort + ".img");
        Tools.ok(120, "nbdcopy", "nbd://127.0.0.1:" + on.nbdPort + "/" + volume, out.toString());
        return sha256(out);
    }

    /** The volume's bytes equal the file's; else names the first MiBs that differ. */
    private void assertHolds(NodeProcess on, String volume, Path expected) throws Exception {
        Path out = dir.resolve(volume + "-" + on.apiPort + ".img");
        Tools.ok(120, "nbdcopy", "nbd://127.0.0.1:" + on.nbdPort + "/" + volume, out.toString());
        byte[] actual = Files.readAllBytes(out);
        byte[] wanted = Files.readAllBytes(expected);
        assertThat(actual.length).isEqualTo(wanted.length);
        java.util.List<Long> differing = new java.util.ArrayList<>();
        int mib = (int) ByteSize.MIB;
        for (int at = 0; at < actual.length; at += mib) {
            if (!java.util.Arrays.equals(actual, at, at + mib, wanted, at, at + mib)) {
                differing.add((long) at / mib);
            }
        }
        assertThat(differing).as("MiBs of %s that differ from %s", volume, expected.getFileName()).isEmpty();
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A sparse image: random data in a few places, zeros elsewhere. */
    private Path image(String name, long size, long dataBytes, long seed) throws IOException {
        Path file = dir.resolve(name);
        Random random = new Random(seed);
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw"); var channel = raf.getChannel()) {
            raf.setLength(size); // sparse
            byte[] chunk = new byte[(int) ByteSize.MIB];
            for (long written = 0; written < dataBytes; written += chunk.length) {
                random.nextBytes(chunk);
                channel.write(java.nio.ByteBuffer.wrap(chunk), (written * 2) % size); // every other MiB
            }
        }
        return file;
    }

    @Test
    void fullThenIncrementalRestoreEqualAlsoOnAFreshNodeAndSecretsAreNeverShown() throws Exception {
        Cli cli = new Cli(node.endpoint());
        Cli.Run added = addTarget(node, "offsite", "correct horse battery staple");
        assertThat(added.err()).isEmpty();
        assertThat(added.out()).startsWith("backup target offsite added: s3://wharf-it/cluster-a?endpoint=").endsWith("(encrypted)\n");
        String listed = cli.run("backup", "target", "list").out() + cli.run("backup", "target", "inspect", "offsite").out()
                + cli.run("backup", "target", "list", "-o", "json").out();
        assertThat(listed).doesNotContain(S3ProxyServer.SECRET_KEY).doesNotContain("correct horse").contains("stored (key id");

        ApiClient api = node.api();
        api.createVolume(new VolumeCreate("db", SIZE, Map.of()));
        Path original = image("original.img", SIZE, 16 * ByteSize.MIB, 1);
        copyIn(node, original, "db");
        Cli.Run first = cli.run("backup", "create", "db", "--target", "offsite", "--wait");
        assertThat(first.err()).isEmpty();
        assertThat(first.out()).as("16 MiB spread over the first 32 MiB: eight 4 MiB chunks").contains("(full, 32 MiB of data");
        String full = first.lastWord();

        Tools.ok(60, "qemu-io", "-f", "raw", "nbd://127.0.0.1:" + node.nbdPort + "/db", "-c", "write -P 0x5a 32M 4M");
        String changed = digest(node, "db");
        Cli.Run second = cli.run("backup", "create", "db", "--target", "offsite", "--wait");
        assertThat(second.out()).contains("(incremental");
        String incremental = second.lastWord();
        BackupStatus inc = api.getBackup(incremental, null);
        assertThat(inc.full()).isFalse();
        assertThat(inc.baseBackupId()).isEqualTo(full);
        assertThat(inc.newBytes()).as("only the changed 4 MiB chunk is new").isEqualTo(4 * ByteSize.MIB);
        assertThat(api.listSnapshots("db")).extracting(SnapshotInfo::name)
                .as("the newest backup snapshot stays as the next base; older ones go").containsExactly("backup-" + incremental);
        assertThat(cli.run("backup", "list", "db").out()).contains(full).contains(incremental).contains("incremental");

        assertThat(cli.run("backup", "restore", incremental, "--to", "db-now", "--wait").out())
                .isEqualTo("volume db-now restored from backup " + incremental + "\n");
        assertThat(digest(node, "db-now")).isEqualTo(changed);
        cli.run("backup", "restore", full, "--to", "db-then", "--wait");
        assertHolds(node, "db", dir.resolve("db-" + node.apiPort + ".img")); // (the copy read for `changed`)
        assertHolds(node, "db-then", original);

        // another cluster: a fresh node with its own store reads the same target
        other = NodeProcess.started(dir.resolve("other"));
        Cli elsewhere = new Cli(other.endpoint());
        Cli.Run wrongKey = addTarget(other, "offsite", "not the passphrase");
        assertThat(wrongKey.exitCode()).isEqualTo(ErrorCode.PERMISSION_DENIED.exitCode());
        assertThat(wrongKey.err()).contains("PERMISSION_DENIED").doesNotContain("Exception");
        assertThat(elsewhere.run("backup", "target", "list").out()).startsWith("no backup targets");
        assertThat(addTarget(other, "offsite", "correct horse battery staple").exitCode()).isZero();
        assertThat(elsewhere.run("backup", "list").out()).contains(full).contains(incremental);
        elsewhere.run("backup", "restore", incremental, "--to", "db", "--wait");
        assertThat(digest(other, "db")).isEqualTo(changed);

        Cli.Run unknown = elsewhere.run("backup", "restore", "20990101-000000-00000000", "--to", "x", "--target", "offsite");
        assertThat(unknown.exitCode()).isEqualTo(ErrorCode.NOT_FOUND.exitCode());
        assertThat(unknown.err()).contains("NOT_FOUND").contains("no backup '20990101-000000-00000000' in target offsite");
        assertThat(other.api().listVolumes(null)).extracting(v -> v.name()).containsExactly("db");
        Cli.Run noTarget = elsewhere.run("backup", "create", "db", "--target", "nowhere");
        assertThat(noTarget.err()).contains("NOT_FOUND").contains("backup target 'nowhere' does not exist");
        Cli.Run both = elsewhere.run("backup", "target", "add", "t2", "--dir", "/tmp", "--s3", "http://x");
        assertThat(both.exitCode()).isEqualTo(2);
    }

    @Test
    void scheduledBackupsRunToADirectoryTargetAndEachRuleKeepsItsNewest() throws Exception {
        Cli cli = new Cli(node.endpoint());
        Path store = Files.createDirectories(dir.resolve("nfs-backups"));
        assertThat(cli.run("backup", "target", "add", "local", "--dir", store.toString(), "--full-every", "2").out())
                .isEqualTo("backup target local added: " + store + "\n");
        assertThat(cli.run("backup", "target", "inspect", "local").out()).contains("Full every   2 backups");
        ApiClient api = node.api();
        api.createVolume(new VolumeCreate("logs", 8 * ByteSize.MIB, Map.of()));
        copyIn(node, image("logs.img", 8 * ByteSize.MIB, 2 * ByteSize.MIB, 3), "logs");

        Cli.Run bad = cli.run("backup", "schedule", "set", "logs", "--target", "local", "--schedule", "hourly=5");
        assertThat(bad.exitCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.exitCode());
        Cli.Run noTarget = cli.run("backup", "schedule", "set", "logs", "--target", "gone", "--schedule", "periodic=1s,keep=2");
        assertThat(noTarget.err()).contains("NOT_FOUND");
        assertThat(cli.run("backup", "schedule", "set", "logs", "--target", "local", "--schedule", "periodic=1s,keep=2").out())
                .isEqualTo("volume logs is backed up to local on schedule periodic=1s,keep=2\n");
        assertThat(cli.run("backup", "schedule", "list").out()).contains("logs").contains("periodic=1s,keep=2");

        Conditions.await("four scheduled backups", Duration.ofSeconds(90), () -> api.listBackups("logs", "local").stream()
                .filter(b -> "done".equals(b.state())).count() >= 2 && doneJobs(api) >= 4);
        assertThat(cli.run("backup", "schedule", "delete", "logs").out()).contains("removed");
        Conditions.await("the last scheduled backup to end", Duration.ofSeconds(60),
                () -> api.listBackups("logs", "local").stream().noneMatch(b -> "running".equals(b.state())));
        java.util.List<BackupStatus> kept = api.listBackups("logs", "local");
        assertThat(kept).as("keep=2: older scheduled backups are deleted from the target").hasSize(2)
                .allSatisfy(b -> assertThat(b.state()).isEqualTo("done"));
        assertThat(kept).filteredOn(BackupStatus::full).as("--full-every 2: of two in a row, one is full").hasSize(1);
        cli.run("backup", "restore", kept.getLast().id(), "--to", "logs-copy", "--wait");
        assertThat(digest(node, "logs-copy")).isEqualTo(digest(node, "logs"));
    }

    @Test
    void aCorruptChunkFailsTheRestoreNamingItAndLeavesNoVolume() throws Exception {
        Cli cli = new Cli(node.endpoint());
        Path store = Files.createDirectories(dir.resolve("shelf"));
        cli.run("backup", "target", "add", "shelf", "--dir", store.toString());
        node.api().createVolume(new VolumeCreate("src", 16 * ByteSize.MIB, Map.of()));
        copyIn(node, image("src.img", 16 * ByteSize.MIB, 4 * ByteSize.MIB, 4), "src");
        String id = cli.run("backup", "create", "src", "--target", "shelf", "--wait").lastWord();
        java.util.List<Path> chunks;
        try (var files = Files.walk(store.resolve("chunks"))) {
            chunks = files.filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(chunks).isNotEmpty();
        Path victim = chunks.getFirst();
        byte[] bytes = Files.readAllBytes(victim);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(victim, bytes);

        Cli.Run restore = cli.run("backup", "restore", id, "--to", "src-copy", "--wait");
        assertThat(restore.exitCode()).isEqualTo(ErrorCode.IO_ERROR.exitCode());
        assertThat(restore.err()).contains("IO_ERROR").contains(victim.getFileName().toString().substring(0, 16))
                .doesNotContain("Exception");
        assertThat(node.api().listVolumes(null)).extracting(v -> v.name()).as("no half-restored volume").containsExactly("src");
        assertThat(node.api().getBackupJob("restore-src-copy").state()).isEqualTo("failed");
    }

    /** Scheduled backups finished so far: their jobs stay in the store until pruned, so count the pruned ones too via the log of ids. */
    private final java.util.Set<String> seenDone = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private long doneJobs(ApiClient api) {
        api.listBackups("logs", "local").stream().filter(b -> "done".equals(b.state())).forEach(b -> seenDone.add(b.id()));
        return seenDone.size();
    }

    @Test
    void aNodeKilledInTheMiddleOfAnUploadResumesItAfterRestart() throws Exception {
        Cli cli = new Cli(node.endpoint());
        assertThat(addTarget(node, "offsite", "correct horse battery staple").exitCode()).isZero();
        ApiClient api = node.api();
        long size = 256 * ByteSize.MIB;
        api.createVolume(new VolumeCreate("big", size, Map.of()));
        Path original = image("big.img", size, 96 * ByteSize.MIB, 2);
        copyIn(node, original, "big");
        BackupStatus started = api.createBackup(new BackupCreate("big", "offsite", false, 16 * ByteSize.MIB));
        Conditions.await("the upload to be under way", Duration.ofSeconds(60), () -> {
            BackupStatus job = api.getBackupJob(started.id());
            return job.doneBytes() >= 16 * ByteSize.MIB;
        });
        BackupStatus before = api.getBackupJob(started.id());
        assertThat(before.state()).as("killed in the middle").isEqualTo("running");
        assertThat(before.doneBytes()).isLessThan(before.totalBytes());
        node.kill9();
        node.start();
        ApiClient again = node.api();
        Conditions.await("the resumed backup to finish", Duration.ofSeconds(120),
                () -> !"running".equals(again.getBackupJob(started.id()).state()));
        BackupStatus done = again.getBackup(started.id(), "offsite");
        assertThat(done.state()).isEqualTo("done");
        assertThat(done.dataBytes()).as("96 MiB spread over the first 192 MiB").isEqualTo(192 * ByteSize.MIB);
        cli.run("backup", "restore", started.id(), "--to", "big-again", "--wait");
        assertHolds(node, "big-again", original);
    }
}
