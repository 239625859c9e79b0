package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How the client reports a node it cannot reach, or something that is not a Wharf node. */
class ApiClientTest {
    @Test
    void connectionRefusedIsUnavailableWithAHint() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try (ApiClient client = new ApiClient(URI.create("http://127.0.0.1:" + port))) {
            assertThatThrownBy(client::listVolumes).isInstanceOfSatisfying(WharfException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e.getMessage()).isEqualTo("cannot reach the Wharf API at http://127.0.0.1:" + port);
                assertThat(e.hint()).isEqualTo("start a node with `./wharf up` or set --endpoint / WHARF_ENDPOINT");
            });
        }
    }

    @Test
    void aNonWharfErrorBodyIsReportedWithItsStatus() throws Exception {
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            byte[] body = "<html>Bad Gateway</html>".getBytes(StandardCharsets.UTF_8);
            int status = exchange.getRequestURI().getPath().equals("/v1/version") ? 502 : 418;
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        proxy.start();
        try (ApiClient client = new ApiClient(URI.create("http://127.0.0.1:" + proxy.getAddress().getPort() + "/"))) {
            assertThatThrownBy(client::version).isInstanceOfSatisfying(WharfException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e.getMessage()).startsWith("unexpected HTTP 502 for GET http://127.0.0.1:")
                        .endsWith("/v1/version: <html>Bad Gateway</html>");
            });
            assertThatThrownBy(client::listPools).isInstanceOfSatisfying(WharfException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
        } finally {
            proxy.stop(0);
        }
    }

    @Test
    void anUnknownCodeFromANewerNodeIsInternalAndKeepsItsName() throws Exception {
        HttpServer newer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        newer.createContext("/", exchange -> {
            byte[] body = "{\"code\":\"QUOTA_EXCEEDED\",\"message\":\"over quota\",\"hint\":\"ask for more\",\"x\":1}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(409, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        newer.start();
        try (ApiClient client = new ApiClient(URI.create("http://127.0.0.1:" + newer.getAddress().getPort()))) {
            assertThatThrownBy(() -> client.getVolume("x")).isInstanceOfSatisfying(WharfException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                assertThat(e.getMessage()).isEqualTo("over quota (code QUOTA_EXCEEDED)");
                assertThat(e.hint()).isEqualTo("ask for more");
            });
        } finally {
            newer.stop(0);
        }
    }

    @Test
    void updateSendsOnlyTheScheduleFieldsThatAreSetAndResizeOnlyTheSize() throws Exception {
        java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer recorder = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        recorder.createContext("/", exchange -> {
            bodies.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = ApiJson.writer().writeValueAsBytes(new VolumeInfo("db", "vol-1", 8192, null, "available",
                    0, "nbd://127.0.0.1:10809/db", 0, "node-1", "2025-11-27T00:00:00Z", 0, null, null, null));
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        recorder.start();
        try (ApiClient client = new ApiClient(URI.create("http://127.0.0.1:" + recorder.getAddress().getPort()))) {
            client.updateVolume("db", new VolumeUpdate("daily=02:00,keep=7", null));
            client.updateVolume("db", new VolumeUpdate(null, ""));
            client.updateVolume("db", new VolumeUpdate("", "nightly"));
            client.resizeVolume("db", 8192);
        } finally {
            recorder.stop(0);
        }
        assertThat(bodies).containsExactly(
                "PATCH /v1/volumes/db {\"snapshotSchedule\":\"daily=02:00,keep=7\"}",
                "PATCH /v1/volumes/db {\"schedulePolicy\":\"\"}",
                "PATCH /v1/volumes/db {\"snapshotSchedule\":\"\",\"schedulePolicy\":\"nightly\"}",
                "PATCH /v1/volumes/db {\"sizeBytes\":8192}");
    }

    @Test
    void anEndpointThatIsNotAnHttpUrlIsRefused() {
        for (String endpoint : new String[] {"localhost:9020", "ftp://host/", "http:///x", "http://h:1/?q=1"}) {
            assertThatThrownBy(() -> new ApiClient(URI.create(endpoint)))
                    .as(endpoint)
                    .isInstanceOfSatisfying(WharfException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.hint()).isEqualTo("write it like http://127.0.0.1:9020");
                    });
        }
    }
}
