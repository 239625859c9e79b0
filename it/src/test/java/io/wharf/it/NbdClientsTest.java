package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.VolumeCreate;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ByteSize;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real NBD clients (libnbd's tools, qemu, fio) against a real node process. */
class NbdClientsTest {
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

    private static String create(String name, long sizeBytes) {
        api.createVolume(new VolumeCreate(name, sizeBytes, Map.of()));
        return node.nbdUri(name);
    }

    private static Path randomFile(String name, long sizeBytes, long seed) throws IOException {
        Path file = dir.resolve(name);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < sizeBytes; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, sizeBytes - written));
            }
        }
        return file;
    }

    @Test
    void nbdinfoListsExportsWithSizes() throws Exception {
        create("list-a", 64 * ByteSize.MIB);
        create("list-b", 3 * ByteSize.GIB);
        String listing = Tools.ok(60, "nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + node.nbdPort);
        assertThat(listing).contains("\"export-name\": \"list-a\"").contains("\"export-name\": \"list-b\"")
                .contains("\"export-size\": " + 64 * ByteSize.MIB).contains("\"export-size\": " + 3 * ByteSize.GIB);
        String info = Tools.ok(60, "nbdinfo", node.nbdUri("list-a"));
        assertThat(info).contains("export-size: " + 64 * ByteSize.MIB).contains("can_multi_conn: true")
                .contains("block_size_preferred: 4096").contains("can_flush: true").contains("can_trim: true");
    }

    @Test
    void qemuImgConvertsAndComparesA256MiBImage() throws Exception {
        Path image = randomFile("image.raw", 256 * ByteSize.MIB, 7);
        String uri = create("qemu-img", 256 * ByteSize.MIB);
        Tools.ok(300, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), uri);
        Tools.ok(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(), uri);
        Path back = dir.resolve("image-back.raw");
        Tools.ok(300, "qemu-img", "convert", "-f", "raw", "-O", "raw", uri, back.toString());
        assertThat(Files.mismatch(image, back)).isEqualTo(-1L);
    }

    @Test
    void nbdcopyCopiesInAndOut() throws Exception {
        Path image = randomFile("copy.raw", 64 * ByteSize.MIB, 11);
        String uri = create("nbdcopy", 64 * ByteSize.MIB);
        Tools.ok(300, "nbdcopy", image.toString(), uri);
        Path back = dir.resolve("copy-back.raw");
        Tools.ok(300, "nbdcopy", uri, back.toString());
        assertThat(Files.mismatch(image, back)).isEqualTo(-1L);
    }

    @Test
    void fioVerifiesRandomAndSequentialMixes() throws Exception {
        String uri = create("fio", 256 * ByteSize.MIB);
        for (String[] job : new String[][] {
            {"--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=64m"},
            {"--rw=randrw", "--bs=4k", "--iodepth=16", "--size=64m", "--rwmixread=50"},
            {"--rw=write", "--bs=1m", "--iodepth=8", "--size=128m"},
            {"--rw=randwrite", "--bsrange=512-64k", "--iodepth=8", "--size=32m"},
        }) {
            String[] command = new String[10 + job.length];
            String[] common = {"fio", "--name=verify", "--ioengine=nbd", "--uri=" + uri, "--verify=crc32c",
                "--do_verify=1", "--verify_fatal=1", "--randrepeat=0", "--output-format=terse", "--verify_state_save=0"};
            System.arraycopy(common, 0, command, 0, common.length);
            System.arraycopy(job, 0, command, common.length, job.length);
            Tools.Result result = Tools.run(600, command);
            assertThat(result.exitCode()).as("fio %s:\n%s", String.join(" ", job), result.output()).isZero();
            assertThat(result.output()).doesNotContain("verify:").doesNotContain("bad magic");
        }
    }

    @Test
    void qemuIoWritesAndReadsAtUnalignedOffsets() throws Exception {
        String uri = create("qemu-io", 16 * ByteSize.MIB);
        String output = Tools.ok(60, "qemu-io", "-f", "raw", uri,
                "-c", "write -P 0xab 1000 3333",
                "-c", "write -P 0xcd 4095 2",
                "-c", "write -P 0x11 8191 4099",
                "-c", "read -P 0xab 1000 3095",
                "-c", "read -P 0xcd 4095 2",
                "-c", "read -P 0xab 4097 236",
                "-c", "read -P 0x00 4333 3858",
                "-c", "read -P 0x11 8191 4099",
                "-c", "read -P 0x00 0 1000",
                "-c", "read -P 0x00 12290 100");
        assertThat(output).doesNotContain("Pattern verification failed").doesNotContain("failed");
    }

    @Test
    void blockStatusReportsHolesSoSparseCopiesSkipThem() throws Exception {
        String source = create("sparse-src", ByteSize.GIB);
        Path data = randomFile("sparse-data.raw", 4 * ByteSize.MIB, 13);
        // 4 MiB of data at 0 and at 512 MiB; the rest is a hole.
        Tools.ok(120, "qemu-io", "-f", "raw", source, "-c", "write -P 0x5a 536870912 4M");
        Tools.ok(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", data.toString(), source);
        String map = Tools.ok(60, "nbdinfo", "--map", source);
        assertThat(map).contains("hole,zero");
        String target = create("sparse-dst", ByteSize.GIB);
        Tools.ok(300, "nbdcopy", "--destination-is-zero", source, target);
        long copied = api.getVolume("sparse-dst").allocatedBytes();
        assertThat(copied).as("allocated bytes of the sparse copy").isBetween(8 * ByteSize.MIB, 16 * ByteSize.MIB);
        Tools.ok(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", source, target);
    }
}
