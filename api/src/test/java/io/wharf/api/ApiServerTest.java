package io.wharf.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.core.ByteSize;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The wire: statuses, content types and the error shape for each class of failure. */
class ApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeWharfApi fake = new FakeWharfApi();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ApiServer server;

    @BeforeEach
    void start() throws Exception {
        server = new ApiServer("127.0.0.1", 0, fake, () -> "# TYPE wharf_volumes gauge\nwharf_volumes 0\n");
        server.start();
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks the error shape and returns the message. */
    private static String assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("code", "message", "hint");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("hint").isTextual()).isTrue();
        return error.get("message").asText();
    }

    @Test
    void createAnswers201WithTheVolumeAndIgnoresUnknownFields() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/volumes",
                "{\"name\":\"db\",\"sizeBytes\":1073741824,\"labels\":{\"a\":\"b\"},\"fromTheFuture\":[1,2]}");
        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode volume = JSON.readTree(response.body());
        assertThat(volume.get("name").asText()).isEqualTo("db");
        assertThat(volume.get("sizeBytes").asLong()).isEqualTo(ByteSize.GIB);
        assertThat(volume.get("labels").get("a").asText()).isEqualTo("b");
    }

    @Test
    void listsAreObjects() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        JsonNode volumes = JSON.readTree(send("GET", "/v1/volumes", null).body());
        assertThat(volumes.get("volumes").size()).isEqualTo(1);
        JsonNode pools = JSON.readTree(send("GET", "/v1/pools", null).body());
        assertThat(pools.get("pools").get(0).get("node").asText()).isEqualTo("node-1");
    }

    @Test
    void deleteAnswers204AndReadsForce() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        fake.setClients("db", 2);
        assertError(send("DELETE", "/v1/volumes/db?force=false", null), 409, "VOLUME_IN_USE");
        assertError(send("DELETE", "/v1/volumes/db", null), 409, "VOLUME_IN_USE");
        assertThat(assertError(send("DELETE", "/v1/volumes/db?force=maybe", null), 400, "INVALID_ARGUMENT"))
                .isEqualTo("query parameter 'force' must be true or false, not 'maybe'");
        HttpResponse<String> deleted = send("DELETE", "/v1/volumes/db?force=true", null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
    }

    @Test
    void patchResizes() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        HttpResponse<String> response = send("PATCH", "/v1/volumes/db", "{\"sizeBytes\":8192}");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("sizeBytes").asLong()).isEqualTo(8192);
        assertThat(assertError(send("PATCH", "/v1/volumes/db", "{}"), 400, "INVALID_ARGUMENT"))
                .isEqualTo("request body changes nothing; give at least one of sizeBytes, snapshotSchedule, "
                        + "schedulePolicy, repl");
        assertThat(assertError(send("PATCH", "/v1/volumes/db", ""), 400, "INVALID_ARGUMENT"))
                .isEqualTo("request body is empty; expected a JSON object");
        assertThat(assertError(send("PATCH", "/v1/volumes/db", "{\"sizeBytes\":null}"), 400, "INVALID_ARGUMENT"))
                .startsWith("request body changes nothing");
        assertThat(assertError(send("PATCH", "/v1/volumes/db", "{\"sizeBytes\":\"8192\"}"), 400,
                "INVALID_ARGUMENT")).isEqualTo("field 'sizeBytes' must be an integer");
        assertThat(assertError(send("PATCH", "/v1/volumes/db", "{\"snapshotSchedule\":7}"), 400,
                "INVALID_ARGUMENT")).isEqualTo("field 'snapshotSchedule' must be a string");
        assertError(send("PATCH", "/v1/volumes/db", "{\"sizeBytes\":4096}"), 400, "SHRINK_NOT_SUPPORTED");
        assertError(send("PATCH", "/v1/volumes/other", "{\"sizeBytes\":4096}"), 404, "VOLUME_NOT_FOUND");
    }

    @Test
    void patchSetsTheScheduleAndResizesFirstWhenGivenBoth() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        HttpResponse<String> scheduled = send("PATCH", "/v1/volumes/db", "{\"snapshotSchedule\":\"daily=02:00,keep=7\"}");
        assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(200);
        JsonNode volume = JSON.readTree(scheduled.body());
        assertThat(volume.get("snapshotSchedule").asText()).isEqualTo("daily=02:00,keep=7");
        assertThat(volume.get("schedulePolicy").isNull()).isTrue();
        assertThat(volume.get("sizeBytes").asLong()).isEqualTo(4096);

        fake.createPolicy("nightly", "daily=01:00,keep=3");
        HttpResponse<String> both = send("PATCH", "/v1/volumes/db",
                "{\"sizeBytes\":8192,\"schedulePolicy\":\"nightly\",\"snapshotSchedule\":\"\"}");
        assertThat(both.statusCode()).as(both.body()).isEqualTo(200);
        volume = JSON.readTree(both.body());
        assertThat(volume.get("sizeBytes").asLong()).isEqualTo(8192);
        assertThat(volume.get("schedulePolicy").asText()).isEqualTo("nightly");
        assertThat(volume.get("snapshotSchedule").isNull()).isTrue();

        // resize happens first: a refused schedule still leaves the new size
        assertError(send("PATCH", "/v1/volumes/db", "{\"sizeBytes\":16384,\"schedulePolicy\":\"nope\"}"), 404,
                "POLICY_NOT_FOUND");
        assertThat(fake.getVolume("db").sizeBytes()).isEqualTo(16384);
        assertThat(fake.getVolume("db").schedulePolicy()).isEqualTo("nightly");
        assertError(send("PATCH", "/v1/volumes/db", "{\"sizeBytes\":4096,\"schedulePolicy\":\"\"}"), 400,
                "SHRINK_NOT_SUPPORTED");
        assertThat(fake.getVolume("db").schedulePolicy()).isEqualTo("nightly");
        assertError(send("PATCH", "/v1/volumes/other", "{\"schedulePolicy\":\"\"}"), 404, "VOLUME_NOT_FOUND");
    }

    @Test
    void policiesAreCreatedListedGotAndDeleted() throws Exception {
        HttpResponse<String> created = send("POST", "/v1/policies",
                "{\"name\":\"nightly\",\"schedule\":\"daily=02:00,keep=7\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode policy = JSON.readTree(created.body());
        assertThat(policy.get("name").asText()).isEqualTo("nightly");
        assertThat(policy.get("schedule").asText()).isEqualTo("daily=02:00,keep=7");
        assertThat(policy.get("volumes").asInt()).isZero();

        JsonNode list = JSON.readTree(send("GET", "/v1/policies", null).body());
        assertThat(list.get("policies").size()).isEqualTo(1);
        assertThat(list.get("policies").get(0).get("name").asText()).isEqualTo("nightly");
        HttpResponse<String> got = send("GET", "/v1/policies/nightly", null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(got.body()).get("schedule").asText()).isEqualTo("daily=02:00,keep=7");

        assertError(send("POST", "/v1/policies", "{\"name\":\"nightly\",\"schedule\":\"daily=03:00\"}"), 409,
                "POLICY_EXISTS");
        assertThat(assertError(send("POST", "/v1/policies", "{\"name\":\"x\"}"), 400, "INVALID_ARGUMENT"))
                .isEqualTo("field 'schedule' is required");
        assertThat(assertError(send("POST", "/v1/policies", "{\"name\":null,\"schedule\":\"daily=03:00\"}"), 400,
                "INVALID_ARGUMENT")).isEqualTo("field 'name' must not be null");
        assertError(send("POST", "/v1/policies", ""), 400, "INVALID_ARGUMENT");
        assertError(send("GET", "/v1/policies/nope", null), 404, "POLICY_NOT_FOUND");
        assertError(send("DELETE", "/v1/policies/nope", null), 404, "POLICY_NOT_FOUND");

        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        send("PATCH", "/v1/volumes/db", "{\"schedulePolicy\":\"nightly\"}");
        assertThat(JSON.readTree(send("GET", "/v1/policies/nightly", null).body()).get("volumes").asInt()).isEqualTo(1);
        assertError(send("DELETE", "/v1/policies/nightly", null), 409, "POLICY_IN_USE");
        send("PATCH", "/v1/volumes/db", "{\"schedulePolicy\":\"\"}");
        HttpResponse<String> deleted = send("DELETE", "/v1/policies/nightly", null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(JSON.readTree(send("GET", "/v1/policies", null).body()).get("policies").size()).isZero();

        HttpResponse<String> wrongMethod = send("PUT", "/v1/policies/nightly", "{}");
        assertError(wrongMethod, 405, "METHOD_NOT_ALLOWED");
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("DELETE, GET");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"name\":\"db\",\"sizeBytes\":1024 | request body is not valid JSON",
        "not json at all | request body is not valid JSON",
        "'' | request body is empty; expected a JSON object",
        "[1,2] | request body must be a JSON object",
        "\"db\" | request body must be a JSON object",
        "{\"sizeBytes\":1024} | field 'name' is required",
        "{\"name\":\"db\"} | field 'sizeBytes' is required",
        "{\"name\":null,\"sizeBytes\":1024} | field 'name' must not be null",
        "{\"name\":\"db\",\"sizeBytes\":null} | field 'sizeBytes' must be an integer",
        "{\"name\":\"db\",\"sizeBytes\":\"10GiB\"} | field 'sizeBytes' must be an integer",
        "{\"name\":\"db\",\"sizeBytes\":\"1024\"} | field 'sizeBytes' must be an integer",
        "{\"name\":\"db\",\"sizeBytes\":1.5} | field 'sizeBytes' must be an integer",
        "{\"name\":\"db\",\"sizeBytes\":true} | field 'sizeBytes' must be an integer",
        "{\"name\":\"db\",\"sizeBytes\":99999999999999999999} | field 'sizeBytes' must be an integer of at most 64 bits",
        "{\"name\":42,\"sizeBytes\":1024} | field 'name' must be a string",
        "{\"name\":[\"db\"],\"sizeBytes\":1024} | field 'name' must be a string",
        "{\"name\":\"db\",\"sizeBytes\":1024,\"labels\":[]} | field 'labels' must be an object",
        "{\"name\":\"db\",\"sizeBytes\":1024,\"labels\":{\"a\":1}} | field 'labels.a' must be a string",
        "{\"name\":\"db\",\"sizeBytes\":1024,\"labels\":{\"a\":null}} | field 'labels.a' must not be null",
        "{\"name\":\"db\",\"sizeBytes\":1024} trailing | request body is not valid JSON",
        "{\"name\":\"db\",\"name\":\"db\",\"sizeBytes\":1024} | request body is not valid JSON: Duplicate field 'name'",
    })
    void malformedBodiesAreInvalidArgumentNamingTheField(String body, String expected) throws Exception {
        String message = assertError(send("POST", "/v1/volumes", body), 400, "INVALID_ARGUMENT");
        assertThat(message).startsWith(expected);
        assertThat(fake.listVolumes()).isEmpty();
    }

    @Test
    void unknownRouteIsNotFound() throws Exception {
        assertThat(assertError(send("GET", "/v1/nothing-here", null), 404, "NOT_FOUND"))
                .isEqualTo("no such route: GET /v1/nothing-here");
        assertError(send("GET", "/", null), 404, "NOT_FOUND");
        assertError(send("GET", "/v1/volumes/a/b", null), 404, "NOT_FOUND");
        assertError(send("GET", "/v2/volumes", null), 404, "NOT_FOUND");
    }

    @Test
    void wrongMethodIsMethodNotAllowedWithAllowHeader() throws Exception {
        HttpResponse<String> response = send("PUT", "/v1/volumes/db", "{}");
        assertThat(assertError(response, 405, "METHOD_NOT_ALLOWED"))
                .isEqualTo("method PUT is not allowed on /v1/volumes/db");
        assertThat(response.headers().firstValue("Allow")).hasValue("DELETE, GET, PATCH");
        assertError(send("DELETE", "/v1/volumes", null), 405, "METHOD_NOT_ALLOWED");
        assertError(send("POST", "/metrics", "x"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void bodyOverOneMebibyteIsRefused() throws Exception {
        String huge = "{\"name\":\"db\",\"sizeBytes\":1024,\"padding\":\"" + "x".repeat(ApiServer.MAX_BODY_BYTES) + "\"}";
        assertThat(assertError(send("POST", "/v1/volumes", huge), 400, "INVALID_ARGUMENT"))
                .contains("larger than 1048576 bytes");

        // Without a Content-Length (chunked), the limit holds while reading.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/volumes"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8))))
                .build();
        assertThat(assertError(http.send(chunked, HttpResponse.BodyHandlers.ofString()), 400, "INVALID_ARGUMENT"))
                .contains("larger than 1048576 bytes");
        assertThat(fake.listVolumes()).isEmpty();

        // A body of exactly the limit is read.
        String exact = "{\"name\":\"db\",\"sizeBytes\":1024,\"padding\":\"\"}";
        exact = exact.replace("\"\"}", "\"" + "x".repeat(ApiServer.MAX_BODY_BYTES - exact.length()) + "\"}");
        assertThat(exact).hasSize(ApiServer.MAX_BODY_BYTES);
        assertThat(send("POST", "/v1/volumes", exact).statusCode()).isEqualTo(201);
    }

    @Test
    void internalErrorSendsAReportIdAndLogsTheStackTraceOnceUnderIt() throws Exception {
        fake.failNext(new IllegalStateException("the secret invariant broke"));
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        HttpResponse<String> response;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            response = send("GET", "/v1/cluster", null);
        } finally {
            System.setErr(original);
        }
        String message = assertError(response, 500, "INTERNAL");
        Matcher id = Pattern.compile("internal error \\(report id ([0-9a-f]{8})\\)").matcher(message);
        assertThat(id.matches()).as(message).isTrue();
        assertThat(response.body()).doesNotContain("secret", "IllegalStateException", "at io.wharf", "\\n\\tat ");
        assertThat(JSON.readTree(response.body()).get("hint").asText()).contains(id.group(1));

        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("reportId=" + id.group(1));
        assertThat(log).containsOnlyOnce("java.lang.IllegalStateException: the secret invariant broke");
        assertThat(log).contains("at io.wharf.api.ApiServerTest");
    }

    @Test
    void nullFromTheImplementationIsInternal() throws Exception {
        ApiServer nulls = new ApiServer("127.0.0.1", 0, new FakeWharfApi() {
            @Override
            public VersionInfo version() {
                return null;
            }
        }, null);
        nulls.start();
        try (nulls) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + nulls.port() + "/v1/version")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertError(response, 500, "INTERNAL");
        }
    }

    @Test
    void servesMetricsHealthAndVersion() throws Exception {
        HttpResponse<String> metrics = send("GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(metrics.body()).isEqualTo("# TYPE wharf_volumes gauge\nwharf_volumes 0\n");

        HttpResponse<String> health = send("GET", "/healthz", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");

        assertThat(JSON.readTree(send("GET", "/v1/version", null).body()).get("apiVersion").asText()).isEqualTo("v1");
    }

    @Test
    void servesTheCheckedInOpenApiDocument() throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/v1/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        byte[] resource;
        try (var in = ApiServerTest.class.getResourceAsStream("/io/wharf/api/openapi.json")) {
            resource = in.readAllBytes();
        }
        assertThat(response.body()).isEqualTo(resource);
    }

    @Test
    void aPortInUseIsABindException() throws Exception {
        try (ApiServer second = new ApiServer("127.0.0.1", server.port(), fake, null)) {
            assertThatThrownBy(second::start).isInstanceOf(BindException.class);
        }
    }

    @Test
    void snapshotCreateAnswers201AndTakesAnEmptyBodyOrNoName() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        HttpResponse<String> named = send("POST", "/v1/volumes/db/snapshots", "{\"name\":\"s1\",\"extra\":1}");
        assertThat(named.statusCode()).as(named.body()).isEqualTo(201);
        JsonNode snapshot = JSON.readTree(named.body());
        assertThat(snapshot.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("volume", "name", "id", "createdAt", "sizeBytes", "exclusiveBytes", "nbdUri", "state", "nodes");
        assertThat(snapshot.get("name").asText()).isEqualTo("s1");
        assertThat(send("POST", "/v1/volumes/db/snapshots", null).statusCode()).isEqualTo(201);
        assertThat(send("POST", "/v1/volumes/db/snapshots", "{}").statusCode()).isEqualTo(201);
        assertThat(fake.listSnapshots("db")).hasSize(3);

        assertThat(assertError(send("POST", "/v1/volumes/db/snapshots", "{\"name\":7}"), 400, "INVALID_ARGUMENT"))
                .isEqualTo("field 'name' must be a string");
        assertError(send("POST", "/v1/volumes/db/snapshots", "[]"), 400, "INVALID_ARGUMENT");
        assertError(send("POST", "/v1/volumes/db/snapshots", "{\"name\":\"s1\"}"), 409, "SNAPSHOT_EXISTS");
        assertError(send("POST", "/v1/volumes/db/snapshots", "{\"name\":\"s9\"}"), 409, "SNAPSHOT_LIMIT");
        assertError(send("POST", "/v1/volumes/nope/snapshots", "{}"), 404, "VOLUME_NOT_FOUND");
    }

    @Test
    void snapshotListsAreObjectsAndGetAndDeleteAnswer() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        send("POST", "/v1/volumes/db/snapshots", "{\"name\":\"s1\"}");
        JsonNode ofVolume = JSON.readTree(send("GET", "/v1/volumes/db/snapshots", null).body());
        assertThat(ofVolume.get("snapshots").get(0).get("name").asText()).isEqualTo("s1");
        JsonNode all = JSON.readTree(send("GET", "/v1/snapshots", null).body());
        assertThat(all.get("snapshots").get(0).get("volume").asText()).isEqualTo("db");
        JsonNode volume = JSON.readTree(send("GET", "/v1/volumes/db", null).body());
        assertThat(volume.get("snapshots").asInt()).isEqualTo(1);
        assertThat(volume.get("source").isNull()).isTrue();

        HttpResponse<String> got = send("GET", "/v1/volumes/db/snapshots/s1", null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(got.body()).get("nbdUri").asText()).isEqualTo("nbd://127.0.0.1:10809/db@s1");

        assertThat(assertError(send("GET", "/v1/volumes/db/snapshots/s2", null), 404, "SNAPSHOT_NOT_FOUND"))
                .isEqualTo("snapshot 'db@s2' does not exist");
        HttpResponse<String> deleted = send("DELETE", "/v1/volumes/db/snapshots/s1", null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertError(send("DELETE", "/v1/volumes/db/snapshots/s1", null), 404, "SNAPSHOT_NOT_FOUND");
        assertError(send("GET", "/v1/volumes/nope/snapshots", null), 404, "VOLUME_NOT_FOUND");
    }

    @Test
    void cloneAnswers201AndChecksItsBody() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        send("POST", "/v1/volumes/db/snapshots", "{\"name\":\"s1\"}");
        HttpResponse<String> cloned = send("POST", "/v1/volumes/db/clone",
                "{\"name\":\"copy\",\"snapshot\":\"s1\",\"labels\":{\"a\":\"b\"}}");
        assertThat(cloned.statusCode()).as(cloned.body()).isEqualTo(201);
        JsonNode volume = JSON.readTree(cloned.body());
        assertThat(volume.get("source").asText()).isEqualTo("db@s1");
        assertThat(volume.get("labels").get("a").asText()).isEqualTo("b");
        HttpResponse<String> current = send("POST", "/v1/volumes/db/clone", "{\"name\":\"now\"}");
        assertThat(current.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(current.body()).get("source").asText()).isEqualTo("db");

        assertThat(assertError(send("POST", "/v1/volumes/db/clone", "{}"), 400, "INVALID_ARGUMENT"))
                .isEqualTo("field 'name' is required");
        assertThat(assertError(send("POST", "/v1/volumes/db/clone", null), 400, "INVALID_ARGUMENT"))
                .isEqualTo("request body is empty; expected a JSON object");
        assertThat(assertError(send("POST", "/v1/volumes/db/clone", "{\"name\":\"x\",\"labels\":{\"a\":null}}"),
                400, "INVALID_ARGUMENT")).isEqualTo("field 'labels.a' must not be null");
        assertError(send("POST", "/v1/volumes/db/clone", "{\"name\":\"x\",\"snapshot\":\"s9\"}"), 404,
                "SNAPSHOT_NOT_FOUND");
        assertError(send("POST", "/v1/volumes/db/clone", "{\"name\":\"copy\"}"), 409, "VOLUME_EXISTS");
        assertError(send("POST", "/v1/volumes/db/clone", "{\"name\":\"Bad_Name\"}"), 400, "INVALID_NAME");
    }

    @Test
    void revertAnswers200AndReadsForceFromTheBody() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"db\",\"sizeBytes\":4096}");
        send("POST", "/v1/volumes/db/snapshots", "{\"name\":\"s1\"}");
        fake.setClients("db", 1);
        assertError(send("POST", "/v1/volumes/db/revert", "{\"snapshot\":\"s1\"}"), 409, "VOLUME_IN_USE");
        assertError(send("POST", "/v1/volumes/db/revert", "{\"snapshot\":\"s1\",\"force\":false}"), 409,
                "VOLUME_IN_USE");
        assertThat(assertError(send("POST", "/v1/volumes/db/revert", "{\"snapshot\":\"s1\",\"force\":\"yes\"}"),
                400, "INVALID_ARGUMENT")).isEqualTo("field 'force' must be true or false");
        assertThat(assertError(send("POST", "/v1/volumes/db/revert", "{\"force\":true}"), 400, "INVALID_ARGUMENT"))
                .isEqualTo("field 'snapshot' is required");
        assertError(send("POST", "/v1/volumes/db/revert", "{\"snapshot\":\"s9\",\"force\":true}"), 404,
                "SNAPSHOT_NOT_FOUND");
        HttpResponse<String> reverted = send("POST", "/v1/volumes/db/revert", "{\"snapshot\":\"s1\",\"force\":true}");
        assertThat(reverted.statusCode()).as(reverted.body()).isEqualTo(200);
        assertThat(JSON.readTree(reverted.body()).get("clients").asInt()).isZero();
    }

    @Test
    void snapshotRoutesAnswerWrongMethodsWithTheirAllowHeader() throws Exception {
        HttpResponse<String> clone = send("GET", "/v1/volumes/db/clone", null);
        assertError(clone, 405, "METHOD_NOT_ALLOWED");
        assertThat(clone.headers().firstValue("Allow")).hasValue("POST");
        HttpResponse<String> snapshots = send("DELETE", "/v1/volumes/db/snapshots", null);
        assertError(snapshots, 405, "METHOD_NOT_ALLOWED");
        assertThat(snapshots.headers().firstValue("Allow")).hasValue("GET, POST");
        HttpResponse<String> one = send("PATCH", "/v1/volumes/db/snapshots/s1", "{}");
        assertThat(one.headers().firstValue("Allow")).hasValue("DELETE, GET");
        assertError(send("POST", "/v1/snapshots", "{}"), 405, "METHOD_NOT_ALLOWED");
        assertError(send("GET", "/v1/volumes/db/snapshots/s1/more", null), 404, "NOT_FOUND");
        assertError(send("GET", "/v1/volumes/db/snapshots/", null), 404, "NOT_FOUND");
    }

    @Test
    void groupSnapshotAnswers201WithASnapshotList() throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"a\",\"sizeBytes\":4096}");
        send("POST", "/v1/volumes", "{\"name\":\"b\",\"sizeBytes\":8192}");
        HttpResponse<String> created = send("POST", "/v1/snapshot-groups",
                "{\"name\":\"g1\",\"volumes\":[\"a\",\"b\"],\"extra\":1}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(created.body());
        assertThat(body.properties()).extracting(java.util.Map.Entry::getKey).containsExactly("snapshots");
        assertThat(body.get("snapshots")).hasSize(2);
        assertThat(body.get("snapshots").get(0).properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("volume", "name", "id", "createdAt", "sizeBytes", "exclusiveBytes", "nbdUri", "state", "nodes");
        assertThat(body.get("snapshots").get(0).get("volume").asText()).isEqualTo("a");
        assertThat(body.get("snapshots").get(1).get("volume").asText()).isEqualTo("b");
        assertThat(body.get("snapshots").get(1).get("name").asText()).isEqualTo("g1");
        assertThat(body.get("snapshots").get(1).get("sizeBytes").asLong()).isEqualTo(8192);
        assertThat(fake.listSnapshots(null)).extracting(SnapshotInfo::name).containsExactly("g1", "g1");

        assertError(send("POST", "/v1/snapshot-groups", "{\"name\":\"g1\",\"volumes\":[\"a\"]}"), 409,
                "SNAPSHOT_EXISTS");
        assertError(send("POST", "/v1/snapshot-groups", "{\"name\":\"g2\",\"volumes\":[\"nope\"]}"), 404,
                "VOLUME_NOT_FOUND");
        assertError(send("POST", "/v1/snapshot-groups", "{\"name\":\"G_2\",\"volumes\":[\"a\"]}"), 400,
                "INVALID_NAME");
        HttpResponse<String> wrongMethod = send("GET", "/v1/snapshot-groups", null);
        assertError(wrongMethod, 405, "METHOD_NOT_ALLOWED");
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"volumes\":[\"a\"]} | field 'name' is required",
        "{\"name\":\"g1\"} | field 'volumes' is required",
        "{\"name\":null,\"volumes\":[\"a\"]} | field 'name' must not be null",
        "{\"name\":\"g1\",\"volumes\":null} | field 'volumes' must not be null",
        "{\"name\":\"g1\",\"volumes\":[\"a\",null]} | field 'volumes[1]' must not be null",
        "{\"name\":\"g1\",\"volumes\":\"a\"} | field 'volumes' must be an array",
        "{\"name\":\"g1\",\"volumes\":[1]} | field 'volumes[0]' must be a string",
        "{\"name\":7,\"volumes\":[\"a\"]} | field 'name' must be a string",
        "{\"name\":\"g1\",\"volumes\":[]} | group snapshot 'g1' names no volumes; it needs at least one",
        "{\"name\":\"g1\",\"volumes\":[\"a\",\"b\",\"b\",\"a\"]} | volume 'b' is listed more than once in group snapshot 'g1'",
        "`` | request body is empty; expected a JSON object",
        "[] | request body must be a JSON object",
    })
    void malformedGroupSnapshotBodiesAreInvalidArgumentAndTakeNothing(String body, String expected)
            throws Exception {
        send("POST", "/v1/volumes", "{\"name\":\"a\",\"sizeBytes\":4096}");
        send("POST", "/v1/volumes", "{\"name\":\"b\",\"sizeBytes\":4096}");
        assertThat(assertError(send("POST", "/v1/snapshot-groups", body), 400, "INVALID_ARGUMENT"))
                .isEqualTo(expected);
        assertThat(fake.listSnapshots(null)).isEmpty();
    }

    @Test
    void percentEncodedNamesAreDecoded() throws Exception {
        assertThat(assertError(send("GET", "/v1/volumes/a%20b", null), 404, "VOLUME_NOT_FOUND"))
                .isEqualTo("volume 'a b' does not exist");
    }
}
