package io.wharf.nbd;

import static io.wharf.nbd.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

/** Protocol details, checked byte by byte with {@link RawClient}. */
class ProtocolTest {
    private static final long MIB = 1024 * 1024;

    private final MapExports exports = new MapExports();
    private final MemoryExport vol = new MemoryExport("vol", 64 * MIB);
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        exports.add(vol).add(new MemoryExport("other", MIB)).add(new MemoryExport("ro", MIB, true));
        server = new NbdServer(NbdServerConfig.defaults().withPort(0), exports);
        server.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.close();
        ThreadLeaks.assertNoneFor(server);
        assertThat(server.connectionCount()).isZero();
        assertThat(server.bufferedBytes()).isZero();
    }

    // ---- handshake ----

    @Test
    void greetingOffersFixedNewstyleAndNoZeroes() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            assertThat(client.greet()).isEqualTo(3);
        }
    }

    @Test
    void listNamesEveryExport() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.option(OPT_LIST, new byte[0]);
            List<String> names = new ArrayList<>();
            OptionReply reply;
            while ((reply = client.readOptionReply()).type() == REP_SERVER) {
                ByteBuffer data = ByteBuffer.wrap(reply.data());
                byte[] name = new byte[data.getInt()];
                data.get(name);
                names.add(new String(name, StandardCharsets.UTF_8));
            }
            assertThat(reply.type()).isEqualTo(REP_ACK);
            assertThat(names).containsExactly("other", "ro", "vol");

            client.option(OPT_LIST, new byte[] {1});
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void infoDescribesTheExportAndGoEntersTransmission() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            assertThat(client.go(OPT_INFO, "vol", 1, 2, 3)).isEqualTo(REP_ACK);
            assertThat(client.sizeBytes).isEqualTo(64 * MIB);
            assertThat(client.transmissionFlags).isEqualTo(1 | 4 | 8 | 32 | 64 | 256 | 2048);
            assertThat(new String(client.infos.get(1), 2, client.infos.get(1).length - 2, StandardCharsets.UTF_8)).isEqualTo("vol");
            assertThat(new String(client.infos.get(2), 2, client.infos.get(2).length - 2, StandardCharsets.UTF_8))
                    .isEqualTo("in-memory test export vol");
            ByteBuffer blockSize = ByteBuffer.wrap(client.infos.get(3));
            assertThat(blockSize.getShort()).isEqualTo((short) 3);
            assertThat(new int[] {blockSize.getInt(), blockSize.getInt(), blockSize.getInt()}).containsExactly(1, 4096, 32 << 20);

            assertThat(client.go(OPT_GO, "ro")).isEqualTo(REP_ACK);
            assertThat(client.transmissionFlags & 2).as("READ_ONLY").isEqualTo(2);
            assertThat(client.read(0, 16)).hasSize(16);
        }
    }

    @Test
    void unknownExportIsRefusedButNegotiationContinues() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            assertThat(client.go(OPT_INFO, "missing")).isEqualTo(REP_ERR_UNKNOWN);
            byte[] longest = new byte[4096];
            Arrays.fill(longest, (byte) 'x');
            assertThat(client.go(OPT_INFO, new String(longest, StandardCharsets.US_ASCII))).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(client.go(OPT_INFO, new String(longest, StandardCharsets.US_ASCII) + "x")).isEqualTo(REP_ERR_INVALID);
            client.option(OPT_GO, ByteBuffer.allocate(10).putInt(7).putShort((short) 0).array());
            assertThat(client.readOptionReply().type()).as("name length beyond data").isEqualTo(REP_ERR_INVALID);
            client.go(OPT_GO, "vol");
            client.write(0, new byte[] {1});
        }
    }

    @Test
    void tlsIsRefusedByPolicyAndUnknownOptionsAreUnsupported() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.option(OPT_STARTTLS, new byte[0]);
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_POLICY);
            client.option(OPT_EXTENDED_HEADERS, new byte[0]);
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_UNSUP);
            client.option(4242, new byte[300]);
            OptionReply reply = client.readOptionReply();
            assertThat(reply.type()).isEqualTo(REP_ERR_UNSUP);
            assertThat(reply.option()).isEqualTo(4242);
            client.option(OPT_ABORT, new byte[0]);
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ACK);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void metaContextsNeedStructuredRepliesAndOfferBaseAllocation() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.option(OPT_LIST_META_CONTEXT, metaContextData("vol"));
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
            client.option(OPT_STRUCTURED_REPLY, new byte[0]);
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ACK);

            assertThat(metaContexts(client, OPT_LIST_META_CONTEXT, metaContextData("vol"))).containsExactly("0:base:allocation");
            assertThat(metaContexts(client, OPT_LIST_META_CONTEXT, metaContextData("vol", "base:"))).containsExactly("0:base:allocation");
            assertThat(metaContexts(client, OPT_LIST_META_CONTEXT, metaContextData("vol", "qemu:dirty-bitmap:x"))).isEmpty();
            assertThat(metaContexts(client, OPT_SET_META_CONTEXT, metaContextData("vol", "base:"))).isEmpty();
            assertThat(metaContexts(client, OPT_SET_META_CONTEXT, metaContextData("vol", "x-foo:bar", "base:allocation")))
                    .containsExactly("1:base:allocation");
            client.option(OPT_SET_META_CONTEXT, metaContextData("missing", "base:allocation"));
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            byte[] truncated = Arrays.copyOf(metaContextData("vol", "base:allocation"), 20);
            client.option(OPT_SET_META_CONTEXT, truncated);
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void exportNameEntersTransmissionWithOrWithoutZeroPadding() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.in.readLong();
            client.in.readLong();
            client.in.readUnsignedShort();
            client.out.writeInt(1);
            client.option(OPT_EXPORT_NAME, "other".getBytes(StandardCharsets.UTF_8));
            assertThat(client.in.readLong()).isEqualTo(MIB);
            assertThat(client.in.readUnsignedShort() & 0x101).isEqualTo(0x101);
            assertThat(client.in.readNBytes(124)).containsOnly(0);
            assertThat(client.read(0, 8)).hasSize(8);
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.option(OPT_EXPORT_NAME, "vol".getBytes(StandardCharsets.UTF_8));
            assertThat(client.in.readLong()).isEqualTo(64 * MIB);
            client.in.readUnsignedShort();
            assertThat(client.read(0, 8)).hasSize(8);
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.option(OPT_EXPORT_NAME, "missing".getBytes(StandardCharsets.UTF_8));
            assertThat(client.closedByServer()).as("EXPORT_NAME cannot fail politely").isTrue();
        }
    }

    // ---- transmission ----

    @Test
    void simpleAndStructuredRepliesCarryLargeReadsAcrossBuffers() throws IOException {
        byte[] data = new byte[(int) (3 * MIB + 12345)];
        new Random(5).nextBytes(data);
        for (boolean structured : new boolean[] {false, true}) {
            try (RawClient client = RawClient.open(server.port(), "vol", structured, false)) {
                client.write(777, data);
                Reply reply = client.call(RawClient.FLAG_FUA, CMD_READ, 777, data.length, null);
                assertThat(reply.error()).isZero();
                assertThat(reply.data()).isEqualTo(data);
                assertThat(reply.chunks()).isEqualTo(structured ? 4 : 1);
            }
        }
        assertThat(vol.contents(777, data.length)).isEqualTo(data);
    }

    @Test
    void pipelinedRequestsAreAllAnsweredWithTheirOwnHandles() throws Exception {
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            Random random = new Random(9);
            Map<Long, byte[]> written = new HashMap<>();
            for (long handle = 1; handle <= 200; handle++) {
                byte[] chunk = new byte[1 + random.nextInt(70_000)];
                random.nextBytes(chunk);
                written.put(handle, chunk);
                client.send(0, CMD_WRITE, handle, handle * 100_000, chunk.length, chunk);
            }
            for (int i = 0; i < 200; i++) {
                assertThat(client.readReply().error()).isZero();
            }
            for (long handle = 1; handle <= 200; handle++) {
                client.send(0, CMD_READ, 1000 + handle, handle * 100_000, written.get(handle).length, null);
            }
            for (int i = 0; i < 200; i++) {
                Reply reply = client.readReply();
                assertThat(reply.error()).isZero();
                assertThat(reply.data()).isEqualTo(written.get(reply.handle() - 1000));
            }
        }
    }

    @Test
    void invalidRequestsGetTheRightErrorsAndTheConnectionLives() throws IOException {
        for (boolean structured : new boolean[] {false, true}) {
            try (RawClient client = RawClient.open(server.port(), "vol", structured, false)) {
                long size = 64 * MIB;
                assertThat(client.call(0, CMD_READ, size - 10, 11, null).error()).isEqualTo(22);
                assertThat(client.call(0, CMD_READ, -1L, 1, null).error()).as("offset overflow").isEqualTo(22);
                assertThat(client.call(0, CMD_READ, 0, 64 * MIB, null).error()).as("above max block size").isEqualTo(22);
                assertThat(client.call(0, CMD_WRITE, size - 1, 2, new byte[2]).error()).isEqualTo(28);
                assertThat(client.call(0, CMD_WRITE_ZEROES, size, 1, null).error()).isEqualTo(28);
                assertThat(client.call(0, CMD_TRIM, size, 4096, null).error()).isEqualTo(22);
                assertThat(client.call(0, 5, 0, 4096, null).error()).as("NBD_CMD_CACHE not offered").isEqualTo(22);
                assertThat(client.call(0, 99, 0, 0, null).error()).as("unknown command").isEqualTo(22);
                assertThat(client.call(FLAG_DF, CMD_READ, 0, 16, null).error()).as("DF not offered").isEqualTo(22);
                assertThat(client.call(1 << 9, CMD_WRITE, 0, 3, new byte[3]).error()).as("unknown flag").isEqualTo(22);
                assertThat(client.call(0, CMD_BLOCK_STATUS, 0, 4096, null).error()).as("no context").isEqualTo(22);
                Reply message = client.call(0, CMD_READ, size, 1, null);
                if (structured) {
                    assertThat(message.message()).contains("beyond the export size");
                }
                assertThat(client.read(size - 1, 1)).hasSize(1);
            }
        }
    }

    @Test
    void zeroLengthRequestsSucceed() throws IOException {
        for (boolean structured : new boolean[] {false, true}) {
            try (RawClient client = RawClient.open(server.port(), "vol", structured, false)) {
                assertThat(client.read(5, 0)).isEmpty();
                assertThat(client.call(0, CMD_WRITE, 5, 0, new byte[0]).error()).isZero();
                assertThat(client.call(0, CMD_TRIM, 5, 0, null).error()).isZero();
                assertThat(client.call(0, CMD_WRITE_ZEROES, 5, 0, null).error()).isZero();
                assertThat(client.call(0, CMD_READ, 64 * MIB, 0, null).error()).isZero();
            }
        }
    }

    @Test
    void flushFuaTrimAndZeroesReachTheExport() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", true, true)) {
            byte[] ones = new byte[(int) MIB];
            Arrays.fill(ones, (byte) 1);
            client.write(0, ones);
            assertThat(client.call(FLAG_FUA, CMD_WRITE, MIB, 10, new byte[10]).error()).isZero();
            assertThat(vol.fuaWrites.get()).isEqualTo(1);
            assertThat(client.call(0, CMD_FLUSH, 0, 0, null).error()).isZero();
            assertThat(vol.flushes.get()).isEqualTo(1);

            assertThat(client.call(0, CMD_TRIM, 0, 128 * 1024, null).error()).isZero();
            assertThat(client.call(FLAG_NO_HOLE, CMD_WRITE_ZEROES, 128 * 1024, 64 * 1024 + 5, null).error()).isZero();
            assertThat(client.read(0, 196613)).containsOnly(0);
            assertThat(client.read(196613, 10)).containsOnly(1);
            assertThat(client.call(FLAG_FAST_ZERO | FLAG_NO_HOLE, CMD_WRITE_ZEROES, 0, 4096, null).error())
                    .as("fast zero impossible without punching holes").isEqualTo(95);
            assertThat(client.call(FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 256 * 1024, 64 * 1024, null).error()).isZero();

            Reply status = client.call(0, CMD_BLOCK_STATUS, 0, 2 * MIB, null);
            assertThat(status.error()).isZero();
            assertThat(status.extents()).extracting(e -> e[0] + "/" + e[1])
                    .containsExactly("131072/3", "131072/0", "65536/3", "786432/0", "983040/3");
            Reply one = client.call(FLAG_REQ_ONE, CMD_BLOCK_STATUS, 1000, 100_000, null);
            assertThat(one.extents()).extracting(e -> e[0] + "/" + e[1]).containsExactly("100000/3");
            Reply tail = client.call(0, CMD_BLOCK_STATUS, 64 * MIB - 10, 10, null);
            assertThat(tail.extents()).extracting(e -> e[0] + "/" + e[1]).containsExactly("10/3");
            assertThat(client.call(0, CMD_BLOCK_STATUS, 64 * MIB - 10, 11, null).error()).isEqualTo(22);
        }
    }

    @Test
    void exportFailuresBecomeNbdErrorsWithoutClosingTheConnection() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            vol.failure = new NbdException(NbdError.ENOSPC, "pool is full");
            Reply full = client.call(0, CMD_WRITE, 0, 4, new byte[4]);
            assertThat(full.error()).isEqualTo(28);
            assertThat(full.message()).isEqualTo("pool is full");
            vol.failure = new IOException("disk on fire");
            assertThat(client.call(0, CMD_READ, 0, 4, null).error()).isEqualTo(5);
            assertThat(client.call(0, CMD_FLUSH, 0, 0, null).error()).isEqualTo(5);
            vol.failure = null;
            vol.bug = new IllegalStateException("bug in export (deliberate, stackless)", null) {
                @Override
                public synchronized Throwable fillInStackTrace() {
                    return this;
                }
            };
            assertThat(client.call(0, CMD_TRIM, 0, 4096, null).error()).isEqualTo(5);
            vol.bug = null;
            assertThat(client.read(0, 4)).hasSize(4);
        }
        try (RawClient client = RawClient.open(server.port(), "vol", false, false)) {
            vol.failure = new IOException("disk on fire");
            Reply reply = client.call(0, CMD_READ, 0, 4096, null);
            assertThat(reply.error()).isEqualTo(5);
            assertThat(reply.data()).as("no payload after a simple error reply").isNull();
            vol.failure = null;
            assertThat(client.read(0, 4)).hasSize(4);
        }
    }

    @Test
    void anAsynchronousExportIsAnsweredFromItsCompleterWithItsErrorsAndTheConnectionLives() throws Exception {
        try (AsyncExport async = new AsyncExport(new MemoryExport("async", 8 * MIB))) {
            exports.add(async);
            try (RawClient client = RawClient.open(server.port(), "async", true, false)) {
                Random random = new Random(11);
                Map<Long, byte[]> written = new HashMap<>();
                for (long handle = 1; handle <= 100; handle++) { // pipelined: the reader goes on while the completer works
                    byte[] chunk = new byte[1 + random.nextInt(70_000)];
                    random.nextBytes(chunk);
                    written.put(handle, chunk);
                    client.send(handle % 3 == 0 ? RawClient.FLAG_FUA : 0, CMD_WRITE, handle, handle * 80_000, chunk.length, chunk);
                }
                for (int i = 0; i < 100; i++) {
                    assertThat(client.readReply().error()).isZero();
                }
                for (long handle = 1; handle <= 100; handle++) {
                    client.send(0, CMD_READ, 1000 + handle, handle * 80_000, written.get(handle).length, null);
                }
                for (int i = 0; i < 100; i++) {
                    Reply reply = client.readReply();
                    assertThat(reply.error()).isZero();
                    assertThat(reply.data()).isEqualTo(written.get(reply.handle() - 1000));
                }
                assertThat(client.call(0, CMD_FLUSH, 0, 0, null).error()).isZero();
                assertThat(async.asyncCalls.get()).isEqualTo(201);
                assertThat(async.memory().fuaWrites.get()).isEqualTo(33);
                assertThat(async.memory().flushes.get()).isEqualTo(1);

                byte[] large = new byte[(int) (2 * MIB + 5)]; // more than one buffer: the threaded path
                random.nextBytes(large);
                client.write(3 * MIB, large);
                assertThat(client.read(3 * MIB, large.length)).isEqualTo(large);
                assertThat(async.asyncCalls.get()).isEqualTo(201);

                async.memory().failure = new NbdException(NbdError.ENOSPC, "pool is full");
                Reply full = client.call(0, CMD_WRITE, 0, 4, new byte[4]);
                assertThat(full.error()).isEqualTo(28);
                assertThat(full.message()).isEqualTo("pool is full");
                async.memory().failure = new IOException("peer lost");
                assertThat(client.call(0, CMD_READ, 0, 4, null).error()).isEqualTo(5);
                assertThat(client.call(0, CMD_FLUSH, 0, 0, null).error()).isEqualTo(5);
                async.memory().failure = null;
                async.bug = new IllegalStateException("bug in export (deliberate, stackless)", null) {
                    @Override
                    public synchronized Throwable fillInStackTrace() {
                        return this;
                    }
                };
                assertThat(client.call(0, CMD_READ, 0, 4, null).error()).isEqualTo(5);
                async.bug = null;
                assertThat(client.read(80_000, 4)).isEqualTo(Arrays.copyOf(written.get(1L), 4));
            }
            try (RawClient client = RawClient.open(server.port(), "async", false, false)) {
                async.memory().failure = new IOException("peer lost");
                Reply reply = client.call(0, CMD_READ, 0, 4096, null);
                assertThat(reply.error()).isEqualTo(5);
                assertThat(reply.data()).as("no payload after a simple error reply").isNull();
                async.memory().failure = null;
                assertThat(client.read(80_000, 4)).isEqualTo(async.memory().contents(80_000, 4)).isNotEqualTo(new byte[4]);
            }
        }
    }

    @Test
    void disconnectAnswersRequestsInFlightFirst() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        vol.writeGate = gate;
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            client.send(0, CMD_WRITE, 41, 0, 3, new byte[] {4, 5, 6});
            client.send(0, CMD_DISC, 42, 0, 0, null);
            Await.until("the connection is draining", java.time.Duration.ofSeconds(10), () -> server.connectionCount("vol") == 1);
            gate.countDown();
            Reply reply = client.readReply();
            assertThat(reply.handle()).isEqualTo(41);
            assertThat(reply.error()).isZero();
            assertThat(client.closedByServer()).isTrue();
        } finally {
            vol.writeGate = null;
        }
        assertThat(vol.contents(0, 3)).containsExactly(4, 5, 6);
        Await.until("the connection is gone", java.time.Duration.ofSeconds(10), () -> server.connectionCount() == 0);
    }

    @Test
    void onceTheExportIsSlowARequestDoesNotHoldUpOthersOfItsConnection() throws Exception {
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            for (int i = 0; i < 50; i++) {
                client.read(i * 4096L, 4096); // fast: these run on the reader thread
            }
            vol.readDelayNanos = 3_000_000;
            for (int i = 0; i < 4; i++) {
                client.read(0, 4096); // slow: the server notices
            }
            vol.readDelayNanos = 0;
            CountDownLatch gate = new CountDownLatch(1);
            vol.readGate = gate;
            try {
                client.send(0, CMD_READ, 1, 0, 4096, null);
                client.send(0, CMD_WRITE, 2, 8192, 3, new byte[] {1, 2, 3});
                client.send(0, CMD_FLUSH, 3, 0, 0, null);
                assertThat(List.of(client.readReply().handle(), client.readReply().handle()))
                        .as("answered while the read is stuck in the export").containsExactlyInAnyOrder(2L, 3L);
                gate.countDown();
                Reply read = client.readReply();
                assertThat(read.handle()).isEqualTo(1);
                assertThat(read.error()).isZero();
            } finally {
                vol.readGate = null;
                gate.countDown();
            }
        }
    }

    private static List<String> metaContexts(RawClient client, int option, byte[] data) throws IOException {
        client.option(option, data);
        List<String> contexts = new ArrayList<>();
        OptionReply reply;
        while ((reply = client.readOptionReply()).type() == REP_META_CONTEXT) {
            ByteBuffer buffer = ByteBuffer.wrap(reply.data());
            int id = buffer.getInt();
            contexts.add(id + ":" + StandardCharsets.UTF_8.decode(buffer));
        }
        assertThat(reply.type()).isEqualTo(REP_ACK);
        return contexts;
    }
}
