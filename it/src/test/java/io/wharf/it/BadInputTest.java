package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.VolumeCreate;
import io.wharf.core.ByteSize;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed NBD handshakes and requests, and malformed API requests, sent to a real node while
 * another client runs an fio verify job: the node stays up and the other client notices nothing.
 */
class BadInputTest {
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;

    @TempDir
    Path dir;

    @Test
    void nodeSurvivesMalformedInputWhileAnotherClientVerifies() throws Exception {
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"))) {
            node.api().createVolume(new VolumeCreate("steady", 128 * ByteSize.MIB, Map.of()));
            node.api().createVolume(new VolumeCreate("victim", 16 * ByteSize.MIB, Map.of()));
            Tools.require("fio");
            Process fio = new ProcessBuilder("fio", "--name=steady", "--ioengine=nbd", "--uri=" + node.nbdUri("steady"),
                    "--rw=randrw", "--bs=4k", "--iodepth=8", "--size=64m", "--verify=crc32c", "--do_verify=1",
                    "--verify_fatal=1", "--time_based", "--runtime=20", "--verify_backlog=64", "--verify_state_save=0")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("fio.log").toFile()).start();
            try {
                int port = node.nbdPort;
                wrongClientFlags(port);
                garbageInsteadOfOptionMagic(port);
                unknownOption(port);
                oversizedOptionLength(port);
                unknownExport(port);
                for (RequestAbuse abuse : RequestAbuse.values()) {
                    abuseTransmission(port, abuse);
                }
                halfHeaderThenClose(port);
                for (int i = 0; i < 500; i++) {
                    try (Socket socket = connect(port)) {
                        socket.getInputStream().readNBytes(18);
                    }
                }
                malformedApiRequests(node);
                assertThat(fio.waitFor(120, TimeUnit.SECONDS)).as("fio finishes").isTrue();
                assertThat(fio.exitValue()).as("fio verify exit code; log: %s", java.nio.file.Files.readString(dir.resolve("fio.log"))).isZero();
            } finally {
                fio.destroyForcibly();
                fio.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(node.alive()).isTrue();
            try (TinyNbdClient client = new TinyNbdClient(node.nbdPort, "victim")) {
                client.write(0, CrashTest.content(0, 5));
                assertThat(client.read(0, 4096)).isEqualTo(CrashTest.content(0, 5));
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads until the server closes; fails if it never does. */
    private static void expectClose(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read(new byte[4096]) >= 0) {
                // drain whatever the server still says
            }
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
    }

    private static DataInputStream greet(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        assertThat(in.readLong()).isEqualTo(NBDMAGIC);
        assertThat(in.readLong()).isEqualTo(IHAVEOPT);
        in.readUnsignedShort();
        return in;
    }

    private static void wrongClientFlags(int port) throws IOException {
        try (Socket socket = connect(port)) {
            greet(socket);
            new DataOutputStream(socket.getOutputStream()).writeInt(0xfff0);
            expectClose(socket);
        }
    }

    private static void garbageInsteadOfOptionMagic(int port) throws IOException {
        try (Socket socket = connect(port)) {
            greet(socket);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(3);
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            expectClose(socket);
        }
    }

    private static DataInputStream optionReply(DataInputStream in, int expectedOption) throws IOException {
        assertThat(in.readLong()).isEqualTo(0x3e889045565a9L);
        assertThat(in.readInt()).isEqualTo(expectedOption);
        return in;
    }

    private static void unknownOption(int port) throws IOException {
        try (Socket socket = connect(port)) {
            DataInputStream in = greet(socket);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(3);
            out.writeLong(IHAVEOPT);
            out.writeInt(0x7777);
            out.writeInt(0);
            optionReply(in, 0x7777);
            assertThat(in.readInt()).as("NBD_REP_ERR_UNSUP").isEqualTo(0x80000001);
        }
    }

    private static void oversizedOptionLength(int port) throws IOException {
        try (Socket socket = connect(port)) {
            greet(socket);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(3);
            out.writeLong(IHAVEOPT);
            out.writeInt(7); // NBD_OPT_GO
            out.writeInt(Integer.MAX_VALUE);
            out.write(new byte[1024]);
            expectClose(socket);
        }
    }

    private static void unknownExport(int port) throws IOException {
        try (Socket socket = connect(port)) {
            DataInputStream in = greet(socket);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(3);
            byte[] name = "no-such-volume".getBytes(StandardCharsets.UTF_8);
            out.writeLong(IHAVEOPT);
            out.writeInt(7);
            out.writeInt(4 + name.length + 2);
            out.writeInt(name.length);
            out.write(name);
            out.writeShort(0);
            optionReply(in, 7);
            assertThat(in.readInt()).as("NBD_REP_ERR_UNKNOWN").isEqualTo(0x80000006);
        }
    }

    enum RequestAbuse { BAD_MAGIC, OVERSIZED_WRITE, OFFSET_PAST_END, UNKNOWN_COMMAND, GARBAGE_AFTER_REQUEST }

    private static void abuseTransmission(int port, RequestAbuse abuse) throws IOException {
        try (Socket socket = connect(port)) {
            DataInputStream in = greet(socket);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(3);
            byte[] name = "victim".getBytes(StandardCharsets.UTF_8);
            out.writeLong(IHAVEOPT);
            out.writeInt(1); // NBD_OPT_EXPORT_NAME
            out.writeInt(name.length);
            out.write(name);
            long size = in.readLong();
            in.readUnsignedShort();
            switch (abuse) {
                case BAD_MAGIC -> {
                    out.writeInt(0x12345678);
                    out.write(new byte[24]);
                    expectClose(socket);
                }
                case OVERSIZED_WRITE -> {
                    request(out, 1, 0, 0x7fffffff);
                    out.write(new byte[4096]);
                    expectClose(socket);
                }
                case OFFSET_PAST_END -> {
                    request(out, 0, size - 512, 4096);
                    assertThat(simpleReplyError(in)).as("EINVAL for a read past the end").isEqualTo(22);
                    request(out, 1, size, 4096);
                    out.write(new byte[4096]);
                    assertThat(simpleReplyError(in)).as("error for a write past the end").isIn(22, 28);
                    request(out, 0, Long.MAX_VALUE, 4096);
                    assertThat(simpleReplyError(in)).as("error for an overflowing offset").isIn(22, 75);
                }
                case UNKNOWN_COMMAND -> {
                    request(out, 99, 0, 0);
                    assertThat(simpleReplyError(in)).as("EINVAL for an unknown command").isEqualTo(22);
                }
                case GARBAGE_AFTER_REQUEST -> {
                    request(out, 3, 0, 0); // a flush...
                    out.write("and then some garbage that is not a request".getBytes(StandardCharsets.US_ASCII));
                    expectClose(socket);
                }
            }
        }
    }

    private static void request(DataOutputStream out, int command, long offset, int length) throws IOException {
        out.writeInt(0x25609513);
        out.writeShort(0);
        out.writeShort(command);
        out.writeLong(1);
        out.writeLong(offset);
        out.writeInt(length);
        out.flush();
    }

    private static int simpleReplyError(DataInputStream in) throws IOException {
        assertThat(in.readInt()).isEqualTo(0x67446698);
        int error = in.readInt();
        in.readLong();
        return error;
    }

    private static void halfHeaderThenClose(int port) throws IOException {
        try (Socket socket = connect(port)) {
            greet(socket);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(3);
            out.writeLong(IHAVEOPT);
            out.writeShort(0);
        }
    }

    private static void malformedApiRequests(NodeProcess node) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String[][] cases = {
            {"POST", "/v1/volumes", "{not json"},
            {"POST", "/v1/volumes", "{\"name\": 5, \"sizeBytes\": \"big\"}"},
            {"POST", "/v1/volumes", "[]"},
            {"PATCH", "/v1/volumes/steady", "{\"sizeBytes\": -1}"},
            {"GET", "/v1/nothing", ""},
            {"PUT", "/v1/volumes", ""},
        };
        for (String[] c : cases) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(node.endpoint() + c[1]))
                    .method(c[0], HttpRequest.BodyPublishers.ofString(c[2])).header("Content-Type", "application/json").build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s %s %s", c[0], c[1], c[2]).isBetween(400, 499);
            assertThat(response.body()).contains("\"code\"").contains("\"message\"").contains("\"hint\"").doesNotContain("Exception");
        }
    }
}
