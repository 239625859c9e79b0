package io.wharf.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/** The server against the clients people really use: libnbd tools, qemu, fio. */
class RealClientsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private final MapExports exports = new MapExports();
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        server = new NbdServer(NbdServerConfig.defaults().withPort(0), exports);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        ThreadLeaks.assertNoneFor(server);
        assertThat(server.bufferedBytes()).isZero();
    }

    private String uri(String export) {
        return "nbd://127.0.0.1:" + server.port() + "/" + export;
    }

    @Test
    void nbdinfoListsExportNamesAndSizes() throws Exception {
        exports.add(new MemoryExport("alpha", 16 * MIB)).add(new MemoryExport("beta", 3 * MIB + 512, true));

        String json = Tools.run(dir, TIMEOUT, "nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + server.port())
                .assertSuccess().stdout();

        assertThat(json).contains("\"export-name\": \"alpha\"", "\"export-size\": 16777216",
                "\"export-name\": \"beta\"", "\"export-size\": 3146240");
    }

    @Test
    void nbdinfoShowsBlockSizesMultiConnAndDescription() throws Exception {
        exports.add(new MemoryExport("vol", 8 * MIB));

        String json = Tools.run(dir, TIMEOUT, "nbdinfo", "--json", uri("vol")).assertSuccess().stdout();
        String text = Tools.run(dir, TIMEOUT, "nbdinfo", uri("vol")).assertSuccess().stdout();

        assertThat(json).contains("\"structured\": true", "\"base:allocation\"", "\"can_multi_conn\": true",
                "\"block_size_minimum\": 1", "\"block_size_preferred\": 4096", "\"block_size_maximum\": 33554432",
                "\"can_flush\": true", "\"can_fua\": true", "\"can_trim\": true", "\"can_zero\": true",
                "\"can_fast_zero\": true", "\"is_read_only\": false", "\"export-size\": 8388608");
        assertThat(text).contains("description: in-memory test export vol");
    }

    @Test
    void qemuImgConvertsInAndOutAndCompares() throws Exception {
        byte[] image = randomImage(24 * MIB, 1);
        Path source = Files.write(dir.resolve("source.img"), image);
        MemoryExport export = new MemoryExport("vol", image.length);
        exports.add(export);

        Tools.run(dir, TIMEOUT, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", source.toString(), uri("vol")).assertSuccess();
        Tools.run(dir, TIMEOUT, "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), uri("vol")).assertSuccess();
        Path copy = dir.resolve("copy.img");
        Tools.run(dir, TIMEOUT, "qemu-img", "convert", "-f", "raw", "-O", "raw", uri("vol"), copy.toString()).assertSuccess();

        assertThat(Files.mismatch(source, copy)).isEqualTo(-1);
        assertThat(export.contents(0, image.length)).isEqualTo(image);
    }

    @Test
    void nbdcopyCopiesInAndOutOverSeveralConnections() throws Exception {
        byte[] image = randomImage(32 * MIB, 2);
        Path source = Files.write(dir.resolve("source.img"), image);
        MemoryExport export = new MemoryExport("vol", image.length);
        exports.add(export);

        Tools.run(dir, TIMEOUT, "nbdcopy", source.toString(), uri("vol")).assertSuccess();
        int lookupsAfterCopyIn = exports.lookups.get();
        Path copy = dir.resolve("copy.img");
        Tools.run(dir, TIMEOUT, "nbdcopy", uri("vol"), copy.toString()).assertSuccess();

        assertThat(export.contents(0, image.length)).isEqualTo(image);
        assertThat(Files.mismatch(source, copy)).isEqualTo(-1);
        assertThat(lookupsAfterCopyIn).as("nbdcopy opens several connections (multi-conn)").isGreaterThan(1);
        assertThat(export.blockStatusCalls.get()).as("nbdcopy asks for block status").isPositive();
        assertThat(export.allocatedPages()).as("zero regions stay sparse").isLessThan(image.length / MemoryExport.PAGE_BYTES);
    }

    @Test
    void qemuIoWritesAndReadsAtUnalignedOffsets() throws Exception {
        MemoryExport export = new MemoryExport("vol", 4 * MIB);
        exports.add(export);

        String output = Tools.run(dir, TIMEOUT, "qemu-io", "-f", "raw", uri("vol"),
                "-c", "write -P 0xab 1000 3333", "-c", "read -P 0xab 1000 3333",
                "-c", "write -P 0x5c 1048575 70001", "-c", "read -P 0x5c 1048575 70001",
                "-c", "read -P 0 0 1000", "-c", "read -P 0 4333 100").assertSuccess().stdout();

        assertThat(output).contains("wrote 3333/3333 bytes", "read 3333/3333 bytes", "wrote 70001/70001 bytes",
                "read 70001/70001 bytes", "read 1000/1000 bytes", "read 100/100 bytes");
        assertThat(output).doesNotContain("failed", "error");
        byte[] expected = new byte[3335];
        Arrays.fill(expected, 1, 3334, (byte) 0xab);
        assertThat(export.contents(999, 3335)).isEqualTo(expected);
    }

    @Test
    void nbdinfoMapShowsHolesOfASparseExport() throws Exception {
        MemoryExport export = new MemoryExport("sparse", 16 * MIB);
        exports.add(export);
        byte[] data = new byte[(int) MIB];
        Arrays.fill(data, (byte) 7);
        export.write(MIB, java.nio.ByteBuffer.wrap(data), false);
        export.write(8 * MIB, java.nio.ByteBuffer.wrap(data, 0, 65536), false);

        String map = Tools.run(dir, TIMEOUT, "nbdinfo", "--map", uri("sparse")).assertSuccess().stdout();

        assertThat(map.lines().map(line -> line.trim().replaceAll("\\s+", " ")).toList()).containsExactly(
                "0 1048576 3 hole,zero",
                "1048576 1048576 0 data",
                "2097152 6291456 3 hole,zero",
                "8388608 65536 0 data",
                "8454144 8323072 3 hole,zero");
    }

    @Test
    void fioWritesAndVerifiesWithCrc32c() throws Exception {
        fioEngineAvailable();
        exports.add(new MemoryExport("vol", 64 * MIB));

        String small = Tools.run(dir, TIMEOUT, "fio", "--name=rand4k", "--ioengine=nbd", "--uri=" + uri("vol"),
                "--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=16M", "--verify=crc32c", "--do_verify=1",
                "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse").assertSuccess().stdout();
        String large = Tools.run(dir, TIMEOUT, "fio", "--name=seq3m", "--ioengine=nbd", "--uri=" + uri("vol"),
                "--rw=write", "--bs=3M", "--iodepth=4", "--offset=16M", "--size=45M", "--verify=crc32c", "--do_verify=1",
                "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse").assertSuccess().stdout();
        String mixed = Tools.run(dir, TIMEOUT, "fio", "--name=mixed", "--ioengine=nbd", "--uri=" + uri("vol"),
                "--rw=randwrite", "--bsrange=512-128k", "--iodepth=16", "--size=8M", "--verify=crc32c", "--do_verify=1",
                "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse").assertSuccess().stdout();

        assertThat(small + large + mixed).doesNotContain("verify").doesNotContain("bad magic");
    }

    @Test
    void fioVerifiesThroughAnAsynchronousExport() throws Exception {
        fioEngineAvailable();
        try (AsyncExport async = new AsyncExport(new MemoryExport("async", 64 * MIB))) {
            exports.add(async);
            String small = Tools.run(dir, TIMEOUT, "fio", "--name=rand4k", "--ioengine=nbd", "--uri=" + uri("async"),
                    "--rw=randwrite", "--bs=4k", "--iodepth=32", "--size=16M", "--verify=crc32c", "--do_verify=1",
                    "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse").assertSuccess().stdout();
            String mixed = Tools.run(dir, TIMEOUT, "fio", "--name=mixed", "--ioengine=nbd", "--uri=" + uri("async"),
                    "--rw=randwrite", "--bsrange=512-1m", "--iodepth=16", "--offset=16M", "--size=32M", "--verify=crc32c",
                    "--do_verify=1", "--verify_fatal=1", "--verify_state_save=0", "--output-format=terse").assertSuccess().stdout();
            assertThat(small + mixed).doesNotContain("verify").doesNotContain("bad magic");
            assertThat(async.asyncCalls.get()).as("reads and writes went the asynchronous way").isGreaterThan(4096);
        }
    }

    @Test
    void readOnlyExportRefusesWrites() throws Exception {
        MemoryExport export = new MemoryExport("ro", 4 * MIB, true);
        exports.add(export);
        Path source = Files.write(dir.resolve("source.img"), randomImage(4 * MIB, 3));

        String json = Tools.run(dir, TIMEOUT, "nbdinfo", "--json", uri("ro")).assertSuccess().stdout();
        Tools.Result qemuIo = Tools.run(dir, TIMEOUT, "qemu-io", "-f", "raw", uri("ro"), "-c", "write -P 0x11 0 4096");
        Tools.Result nbdcopy = Tools.run(dir, TIMEOUT, "nbdcopy", source.toString(), uri("ro"));
        try (RawClient client = RawClient.open(server.port(), "ro", true, false)) {
            RawClient.Reply reply = client.call(0, RawClient.CMD_WRITE, 0, 4, new byte[] {1, 2, 3, 4});
            assertThat(reply.error()).isEqualTo(NbdError.EPERM.value());
            assertThat(client.call(0, RawClient.CMD_TRIM, 0, 4096, null).error()).isEqualTo(NbdError.EPERM.value());
            assertThat(client.call(0, RawClient.CMD_WRITE_ZEROES, 0, 4096, null).error()).isEqualTo(NbdError.EPERM.value());
            assertThat(client.read(0, 4)).containsExactly(0, 0, 0, 0);
        }

        assertThat(json).contains("\"is_read_only\": true");
        assertThat(qemuIo.exitCode()).as("qemu-io refuses to open a read-only export for writing").isNotZero();
        assertThat(nbdcopy.exitCode()).isNotZero();
        assertThat(export.allocatedPages()).isZero();
    }

    private void fioEngineAvailable() throws Exception {
        String engines = Tools.run(dir, TIMEOUT, "fio", "--enghelp").stdout();
        assertThat(engines).as("fio must be built with the nbd engine (Debian's fio is)").contains("nbd");
    }

    /** Random bytes with some all-zero stretches, so sparse handling is exercised. */
    private static byte[] randomImage(long sizeBytes, long seed) {
        byte[] image = new byte[(int) sizeBytes];
        Random random = new Random(seed);
        random.nextBytes(image);
        for (long at = MIB; at + 2 * MIB <= sizeBytes; at += 5 * MIB) {
            Arrays.fill(image, (int) at, (int) (at + 2 * MIB), (byte) 0);
        }
        return image;
    }
}
