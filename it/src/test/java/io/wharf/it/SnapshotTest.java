package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeSpaceInfo;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots, clones and revert through the API of a real node, with the data checked through
 * real NBD clients: snapshots are read-only exports named {@code volume@snapshot}.
 */
class SnapshotTest {
    private static final int BLOCK = 4096;

    @TempDir
    static Path dir;
    static NodeProcess node;
    static ApiClient api;

    @BeforeAll
    static void startNode() throws IOException {
        node = NodeProcess.started(dir.resolve("node"));
        api = node.api();
    }

    @AfterAll
    static void stopNode() throws InterruptedException {
        if (node != null) {
            node.close();
        }
    }

    private static void create(String name) {
        api.createVolume(new VolumeCreate(name, 16 * ByteSize.MIB, Map.of()));
    }

    private static void write(String export, int block, long writeId) throws IOException {
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, export)) {
            client.write((long) block * BLOCK, CrashTest.content(block, writeId));
            client.flush();
        }
    }

    private static byte[] read(String export, int block) throws IOException {
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, export)) {
            return client.read((long) block * BLOCK, BLOCK);
        }
    }

    /** A client that closed its socket is counted until the node has seen the close. */
    private static void awaitNoClients(String volume) {
        Conditions.await("the node to see the clients of " + volume + " go", java.time.Duration.ofSeconds(10),
                () -> api.getVolume(volume).clients() == 0);
    }

    private static void assertHolds(String export, int block, long writeId) throws IOException {
        assertThat(read(export, block)).as("%s block %d holds write %d", export, block, writeId)
                .isEqualTo(CrashTest.content(block, writeId));
    }

    private static void assertZero(String export, int block) throws IOException {
        assertThat(read(export, block)).as("%s block %d reads zeros", export, block).isEqualTo(new byte[BLOCK]);
    }

    @Test
    void snapshotIsAReadOnlyExportThatKeepsItsData() throws Exception {
        create("snap-src");
        write("snap-src", 0, 1);
        write("snap-src", 7, 2);
        SnapshotInfo snapshot = api.createSnapshot("snap-src", "first");
        assertThat(snapshot.nbdUri()).endsWith("/snap-src@first");
        write("snap-src", 0, 3);
        write("snap-src", 9, 4);
        assertHolds("snap-src@first", 0, 1);
        assertHolds("snap-src@first", 7, 2);
        assertZero("snap-src@first", 9);
        assertHolds("snap-src", 0, 3);

        String info = Tools.ok(60, "nbdinfo", node.nbdUri("snap-src@first"));
        assertThat(info).contains("is_read_only: true");
        Tools.Result refused = Tools.run(60, "qemu-io", "-f", "raw", node.nbdUri("snap-src@first"), "-c", "write 0 4096");
        assertThat(refused.exitCode() != 0 || refused.output().contains("failed")).as("qemu-io write to a snapshot: %s",
                refused.output()).isTrue();
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "snap-src@first")) {
            assertThatThrownBy(() -> client.write(0, new byte[BLOCK])).hasMessageContaining("NBD error 1");
        }
        Path copy = dir.resolve("first.raw");
        Tools.ok(120, "nbdcopy", node.nbdUri("snap-src@first"), copy.toString());
        assertThat(Files.size(copy)).isEqualTo(16 * ByteSize.MIB);
        assertThat(Tools.ok(60, "nbdinfo", "--list", "nbd://127.0.0.1:" + node.nbdPort)).contains("snap-src@first");

        assertThatThrownBy(() -> api.createSnapshot("snap-src", "first")).isInstanceOf(WharfException.class)
                .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.SNAPSHOT_EXISTS);
        assertThatThrownBy(() -> api.getSnapshot("snap-src", "nope")).isInstanceOf(WharfException.class)
                .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.SNAPSHOT_NOT_FOUND);
        assertThat(api.getVolume("snap-src").snapshots()).isEqualTo(1);
    }

    @Test
    void trimAboveASnapshotReadsZerosWhileTheSnapshotKeepsItsData() throws Exception {
        create("trim-src");
        write("trim-src", 3, 10);
        api.createSnapshot("trim-src", "before-trim");
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "trim-src")) {
            client.trim(0, 16 * BLOCK);
            client.flush();
        }
        assertZero("trim-src", 3);
        assertHolds("trim-src@before-trim", 3, 10);
    }

    @Test
    void deletingAMiddleSnapshotKeepsBothNeighboursExact() throws Exception {
        create("chain");
        write("chain", 1, 20);
        api.createSnapshot("chain", "s1");
        write("chain", 1, 21);
        write("chain", 2, 22);
        api.createSnapshot("chain", "s2");
        write("chain", 2, 23);
        write("chain", 3, 24);
        api.createSnapshot("chain", "s3");
        api.deleteSnapshot("chain", "s2");
        assertHolds("chain@s1", 1, 20);
        assertZero("chain@s1", 2);
        assertHolds("chain@s3", 1, 21);
        assertHolds("chain@s3", 2, 23);
        assertHolds("chain@s3", 3, 24);
        assertThat(api.listSnapshots("chain")).extracting(SnapshotInfo::name).containsExactly("s1", "s3");
        assertThat(TinyNbdClientProbe.exists(node.nbdPort, "chain@s2")).isFalse();
    }

    @Test
    void revertIsRefusedWhileInUseThenRollsBackAndForward() throws Exception {
        create("rev");
        write("rev", 0, 30);
        api.createSnapshot("rev", "v1");
        write("rev", 0, 31);
        write("rev", 5, 32);
        api.createSnapshot("rev", "v2");
        write("rev", 0, 33);
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "rev")) {
            Conditions.await("the node to count the client", java.time.Duration.ofSeconds(10),
                    () -> api.getVolume("rev").clients() == 1);
            assertThatThrownBy(() -> api.revertVolume("rev", "v1", false)).isInstanceOf(WharfException.class)
                    .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.VOLUME_IN_USE);
            api.revertVolume("rev", "v1", true);
            assertThatThrownBy(() -> client.read(0, BLOCK)).as("a forced revert disconnects clients").isInstanceOf(IOException.class);
        }
        assertHolds("rev", 0, 30);
        assertZero("rev", 5);
        api.createSnapshot("rev", "after-revert");
        write("rev", 5, 34);
        awaitNoClients("rev");
        api.revertVolume("rev", "v2", false);
        assertHolds("rev", 0, 31);
        assertHolds("rev", 5, 32);
        assertHolds("rev@after-revert", 0, 30);
        assertZero("rev@after-revert", 5);
        awaitNoClients("rev");
        api.revertVolume("rev", "after-revert", false);
        assertHolds("rev", 0, 30);
        assertZero("rev", 5);
    }

    @Test
    void clonesShareDataAreIndependentAndOutliveTheirSource() throws Exception {
        create("origin");
        write("origin", 0, 40);
        api.createSnapshot("origin", "base");
        write("origin", 0, 41);
        assertThat(api.cloneVolume("origin", "base", "clone-a", Map.of("from", "base")).source()).isEqualTo("origin@base");
        api.cloneVolume("origin", null, "clone-now", Map.of());
        assertHolds("clone-a", 0, 40);
        assertHolds("clone-now", 0, 41);
        write("clone-a", 1, 42);
        api.cloneVolume("clone-a", null, "clone-of-clone", Map.of());
        write("clone-of-clone", 2, 43);
        assertZero("origin", 1);
        assertZero("clone-a", 2);
        assertHolds("clone-of-clone", 0, 40);
        assertHolds("clone-of-clone", 1, 42);

        Path before = dir.resolve("clone-a.raw");
        Tools.ok(120, "nbdcopy", node.nbdUri("clone-a"), before.toString());
        api.deleteSnapshot("origin", "base");
        awaitNoClients("origin");
        api.deleteVolume("origin", false);
        Tools.ok(120, "qemu-img", "compare", "-f", "raw", "-F", "raw", before.toString(), node.nbdUri("clone-a"));
        assertHolds("clone-now", 0, 41);
        awaitNoClients("clone-a");
        api.deleteVolume("clone-a", false);
        assertHolds("clone-of-clone", 0, 40);
        assertHolds("clone-of-clone", 1, 42);
        assertHolds("clone-of-clone", 2, 43);
        assertThatThrownBy(() -> api.cloneVolume("clone-now", null, "clone-of-clone", Map.of()))
                .isInstanceOf(WharfException.class).extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.VOLUME_EXISTS);
    }

    @Test
    void deletingASnapshotGivesItsSpaceBack() throws Exception {
        create("space");
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "space")) {
            byte[] data = new byte[1 << 20];
            new java.util.Random(5).nextBytes(data);
            for (int i = 0; i < 6; i++) {
                client.write((long) i << 20, data);
            }
            client.flush();
        }
        api.createSnapshot("space", "old");
        try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "space")) {
            byte[] data = new byte[1 << 20];
            new java.util.Random(6).nextBytes(data);
            for (int i = 0; i < 4; i++) {
                client.write((long) i << 20, data); // overwrite: the snapshot keeps the old 4 MiB
            }
            client.flush();
        }
        assertThat(api.getSnapshot("space", "old").exclusiveBytes()).isEqualTo(4 * ByteSize.MIB);
        VolumeInfo volume = api.getVolume("space");
        assertThat(volume.allocatedBytes()).isEqualTo(10 * ByteSize.MIB);
        assertThat(volume.space().headExclusiveBytes()).isEqualTo(4 * ByteSize.MIB);
        assertThat(volume.space().snapshotExclusiveBytes()).isEqualTo(4 * ByteSize.MIB);
        assertThat(volume.space().sharedBytes()).as("the 2 MiB both still read").isEqualTo(2 * ByteSize.MIB);
        assertThat(volume.space().snapshots()).containsExactly(new VolumeSpaceInfo.SnapshotSpace("old", 4 * ByteSize.MIB));
        assertThat(new Cli(node.endpoint()).run("volume", "inspect", "space").out())
                .contains("Space: head       4 MiB").contains("Space: snapshots  4 MiB").contains("Space: shared     2 MiB")
                .contains("  @old            4 MiB exclusive");
        assertThat(api.listVolumes()).extracting(VolumeInfo::space).containsOnlyNulls();
        api.deleteSnapshot("space", "old");
        assertThat(api.getVolume("space").allocatedBytes()).isEqualTo(6 * ByteSize.MIB);
        assertThat(api.getVolume("space").space().headExclusiveBytes()).as("the old blocks moved into the head")
                .isEqualTo(6 * ByteSize.MIB);
    }

    @Test
    void snapshotsSurviveARestart() throws Exception {
        create("durable-snap");
        write("durable-snap", 4, 50);
        api.createSnapshot("durable-snap", "kept");
        write("durable-snap", 4, 51);
        node.kill9();
        node.start();
        assertThat(api.listSnapshots("durable-snap")).extracting(SnapshotInfo::name).containsExactly("kept");
        assertHolds("durable-snap@kept", 4, 50);
        assertHolds("durable-snap", 4, 51);
    }
}
