package io.wharf.nbd;

import static io.wharf.nbd.RawClient.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * Hostile and broken clients over raw sockets. After each abuse the server must still serve new
 * clients, and a well-behaved client running a write/read-back loop the whole time must see no
 * error.
 */
class BadInputTest {
    private static final long MIB = 1024 * 1024;

    private final MapExports exports = new MapExports();
    private final MemoryExport vol = new MemoryExport("vol", 64 * MIB);
    private NbdServer server;
    private VerifyLoop bystander;

    @BeforeEach
    void start() throws Exception {
        exports.add(vol);
        server = new NbdServer(NbdServerConfig.defaults().withPort(0), exports);
        server.start();
        bystander = new VerifyLoop(server.port(), "vol", 32 * MIB, (int) MIB, true, 17);
        bystander.awaitRounds(5);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            bystander.awaitRounds(5);
            assertServes();
            bystander.close();
            Await.until("every connection has finished", Duration.ofSeconds(20), () -> server.connectionCount() == 0);
            assertThat(server.bufferedBytes()).isZero();
        } finally {
            server.close();
            ThreadLeaks.assertNoneFor(server);
        }
    }

    /** A fresh client can negotiate, write and read. */
    private void assertServes() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", false, false)) {
            client.write(4096, new byte[] {9, 8, 7});
            assertThat(client.read(4096, 3)).containsExactly(9, 8, 7);
            client.disconnect();
        }
    }

    @Test
    void wrongMagicInTheHandshakeClosesOnlyThatConnection() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.out.writeLong(0x1122334455667788L);
            client.out.writeInt(OPT_LIST);
            client.out.writeInt(0);
            client.out.flush();
            assertThat(client.closedByServer()).isTrue();
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.in.readNBytes(18);
            client.out.writeInt(0x100);
            client.out.flush();
            assertThat(client.closedByServer()).as("unknown client flags").isTrue();
        }
    }

    @Test
    void wrongRequestMagicClosesOnlyThatConnection() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            client.out.writeInt(0x25609514);
            client.out.write(new byte[24]);
            client.out.flush();
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownOptionsAreAnsweredAndNegotiationGoesOn() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            for (int option : new int[] {0, 4, 12, 0x7fffffff, 0xffffffff}) {
                client.option(option, new byte[option & 0xff]);
                assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_UNSUP);
            }
            client.go(OPT_GO, "vol");
            assertThat(client.read(0, 1)).hasSize(1);
        }
    }

    @Test
    void oversizedOptionIsRefusedWithoutReadingIt() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.out.writeLong(IHAVEOPT);
            client.out.writeInt(OPT_GO);
            client.out.writeInt(0xffff_fff0);
            client.out.flush();
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_TOO_BIG);
            assertThat(client.closedByServer()).isTrue();
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.out.writeLong(IHAVEOPT);
            client.out.writeInt(OPT_EXPORT_NAME);
            client.out.writeInt(70_000);
            client.out.flush();
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void unknownExportIsRefused() throws IOException {
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            assertThat(client.go(OPT_INFO, "nope")).isEqualTo(REP_ERR_UNKNOWN);
            client.option(OPT_GO, ByteBuffer.allocate(10).putInt(4).put("nope".getBytes()).putShort((short) 0).array());
            assertThat(client.readOptionReply().type()).isEqualTo(REP_ERR_UNKNOWN);
            client.option(OPT_EXPORT_NAME, "nope".getBytes());
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedRequestLengths() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            assertThat(client.call(0, CMD_READ, 0, 0xffff_ffffL, null).error()).isEqualTo(22);
            assertThat(client.call(0, CMD_TRIM, 0, 0xffff_ffffL, null).error()).isEqualTo(22);
            assertThat(client.read(0, 1)).hasSize(1);
            client.send(0, CMD_WRITE, 7, 0, 0xffff_ffffL, null);
            Reply reply = client.readReply();
            assertThat(reply.handle()).isEqualTo(7);
            assertThat(reply.error()).isEqualTo(22);
            assertThat(client.closedByServer()).as("cannot skip 4 GiB of payload").isTrue();
        }
    }

    @Test
    void offsetsPastTheEndAreRefusedAndPayloadsSkipped() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", false, false)) {
            byte[] payload = new byte[100_000];
            Arrays.fill(payload, (byte) 0x77);
            assertThat(client.call(0, CMD_WRITE, 64 * MIB, payload.length, payload).error()).isEqualTo(28);
            assertThat(client.call(0, CMD_WRITE, Long.MAX_VALUE, payload.length, payload).error()).isEqualTo(28);
            assertThat(client.call(0, CMD_READ, 0x8000_0000_0000_0000L, 1, null).error()).isEqualTo(22);
            assertThat(client.call(0, CMD_READ, 64 * MIB + 1, 0, null).error()).isEqualTo(22);
            assertThat(client.read(64 * MIB - 2, 2)).hasSize(2);
        }
    }

    @Test
    void garbageAfterARequestIsAnsweredThenClosed() throws IOException {
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            client.send(0, CMD_READ, 5, 0, 512, null);
            byte[] garbage = new byte[10_000];
            new Random(3).nextBytes(garbage);
            client.out.write(garbage);
            client.out.flush();
            Reply reply = client.readReply();
            assertThat(reply.handle()).isEqualTo(5);
            assertThat(reply.data()).hasSize(512);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void truncatedMessagesAndVanishingClientsAreCleanedUp() throws Exception {
        for (int cut = 1; cut < 28; cut += 3) {
            try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
                ByteBuffer header = ByteBuffer.allocate(28).putInt(REQUEST_MAGIC).putShort((short) 0)
                        .putShort((short) CMD_WRITE).putLong(1).putLong(0).putInt(65536);
                client.out.write(header.array(), 0, cut);
                client.out.flush();
            }
        }
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            client.send(0, CMD_WRITE, 1, 0, 1_000_000, null);
            client.out.write(new byte[300_000]);
            client.out.flush();
        }
        try (RawClient client = RawClient.open(server.port(), "vol", true, false)) {
            for (int i = 0; i < 32; i++) {
                client.send(0, CMD_READ, i, 0, 4 * MIB, null);
            }
            client.socket.setSoLinger(true, 0);
        }
        try (RawClient client = RawClient.connect(server.port())) {
            client.greet();
            client.out.writeLong(IHAVEOPT);
            client.out.writeInt(OPT_GO);
            client.out.writeInt(40);
            client.out.write(new byte[10]);
            client.out.flush();
        }
        Await.until("broken connections are gone", Duration.ofSeconds(20), () -> server.connectionCount() == 1);
    }

    @Test
    void thousandsOfQuickConnectsAndDisconnects() throws Exception {
        Random random = new Random(11);
        for (int i = 0; i < 3000; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
                switch (i % 4) {
                    case 0 -> { }
                    case 1 -> socket.getInputStream().readNBytes(1 + random.nextInt(18));
                    case 2 -> {
                        socket.getInputStream().readNBytes(18);
                        OutputStream out = socket.getOutputStream();
                        out.write(new byte[] {0, 0, 0, 3});
                        out.write(new byte[random.nextInt(20)]);
                        out.flush();
                    }
                    default -> socket.setSoLinger(true, 0);
                }
            }
        }
        Await.until("quick connections are gone", Duration.ofSeconds(30), () -> server.connectionCount() == 1);
    }

    @Test
    void randomBytesNeverHurtTheServer() throws Exception {
        Random random = new Random(23);
        for (int i = 0; i < 200; i++) {
            boolean afterGo = i % 2 == 0;
            try (RawClient client = afterGo ? RawClient.open(server.port(), "vol", i % 4 == 0, i % 8 == 0) : RawClient.connect(server.port())) {
                if (!afterGo) {
                    client.greet();
                    client.out.writeLong(IHAVEOPT);
                }
                byte[] noise = new byte[random.nextInt(4096)];
                random.nextBytes(noise);
                if (afterGo && noise.length >= 4) {
                    ByteBuffer.wrap(noise).putInt(REQUEST_MAGIC);
                }
                client.out.write(noise);
                client.out.flush();
                client.socket.shutdownOutput();
                client.socket.setSoTimeout(5_000);
                while (client.in.read() >= 0) {
                    // let the server answer whatever it parsed, until it closes
                }
            } catch (IOException e) {
                // resets and timeouts are fine here; only the server's health matters
            }
        }
        Await.until("noise connections are gone", Duration.ofSeconds(30), () -> server.connectionCount() == 1);
    }
}
