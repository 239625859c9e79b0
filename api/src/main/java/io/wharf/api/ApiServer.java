package io.wharf.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link WharfApi} over HTTP/JSON with the JDK's HTTP server, one virtual thread per
 * exchange. Every failure leaves as an {@link ApiError} with the HTTP status of its
 * {@link ErrorCode}; an unexpected exception leaves as {@link ErrorCode#INTERNAL} with an
 * error-report id, its stack trace is logged under that id and never sent.
 */
public final class ApiServer implements AutoCloseable {
    /** The largest request body the server reads; larger ones are refused. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    /** Where the checked-in OpenAPI document lives on the class path. */
    public static final String OPENAPI_RESOURCE = "/io/wharf/api/openapi.json";

    static final String JSON = "application/json";
    static final String METRICS = "text/plain; version=0.0.4; charset=utf-8";
    /** How much of an oversized body the server reads and discards so the client sees the error. */
    private static final long DRAIN_LIMIT_BYTES = 64L * 1024 * 1024;
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final SecureRandom REPORT_IDS = new SecureRandom();
    /** How long {@link #close()} lets requests in progress finish. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private final String host;
    private final int requestedPort;
    private final WharfApi api;
    private final BackupApi backups;
    private final Supplier<String> metricsText;
    private final byte[] openApiDocument;
    private final List<Binding> bindings;
    private final InFlight inFlight = new InFlight();
    private volatile boolean ready = true;
    private HttpServer server;
    private ExecutorService executor;

    private record Binding(Route route, Handler handler) {}

    @FunctionalInterface
    private interface Handler {
        Response handle(Request request);
    }

    public ApiServer(String host, int port, WharfApi api, Supplier<String> metricsText) {
        this(host, port, api, null, metricsText);
    }

    /** @param backups serves the backup routes; null answers them with NOT_FOUND */
    public ApiServer(String host, int port, WharfApi api, BackupApi backups, Supplier<String> metricsText) {
        this.backups = backups;
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.requestedPort = port;
        this.api = Objects.requireNonNull(api, "api");
        this.metricsText = metricsText == null ? () -> "" : metricsText;
        this.openApiDocument = openApiDocument();
        this.bindings = bindings();
    }

    /** The checked-in OpenAPI document, exactly as served at {@code /v1/openapi.json}. */
    public static byte[] openApiDocument() {
        try (InputStream in = ApiServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + OPENAPI_RESOURCE + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Binds and starts serving.
     *
     * @throws java.net.BindException when the port is taken
     */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        HttpServer created = HttpServer.create(new InetSocketAddress(host, requestedPort), 0);
        executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("wharf-api-", 0).factory());
        created.setExecutor(executor);
        created.createContext("/", this::serve);
        created.start();
        server = created;
        log.info("API server started, address={} port={}", host, port());
    }

    /** The port the server listens on; with port 0 the one the system picked. */
    /**
     * Whether {@code /healthz} reports the node ready (200) or still starting (503). A node serves
     * the API before it has finished starting (its address is part of what it registers), so
     * health checks must not take an early answer for a started node.
     */
    public void ready(boolean isReady) {
        this.ready = isReady;
    }

    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress().getPort();
    }

    /** Every route this server answers, in the order it matches them. */
    public List<Route> routes() {
        return bindings.stream().map(Binding::route).toList();
    }

    /**
     * Stops serving: new requests are refused with {@link ErrorCode#UNAVAILABLE}, requests in
     * progress get up to {@link #SHUTDOWN_GRACE} to finish, then connections are closed.
     */
    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        if (!inFlight.closeAndAwaitIdle(SHUTDOWN_GRACE)) {
            log.warn("API requests still in progress at stop, graceMs={}", SHUTDOWN_GRACE.toMillis());
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("API handlers still running after stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
        log.info("API server stopped");
    }

    private BackupApi backups() {
        if (backups == null) {
            throw new WharfException(ErrorCode.NOT_FOUND, "this endpoint does not serve backups",
                    "send backup requests to a Wharf node");
        }
        return backups;
    }

    private List<Binding> bindings() {
        List<Binding> routes = new ArrayList<>();
        routes.add(bind("POST", "/v1/volumes",
                r -> new Response.Json(201, required(api.createVolume(r.json(VolumeCreate.class))))));
        routes.add(bind("GET", "/v1/volumes",
                r -> new Response.Json(200, new VolumeList(api.listVolumes(r.queryParameters().get("node"))))));
        routes.add(bind("GET", "/v1/volumes/{name}",
                r -> new Response.Json(200, required(api.getVolume(r.pathParameter("name"))))));
        routes.add(bind("PATCH", "/v1/volumes/{name}", r -> {
            String name = r.pathParameter("name");
            VolumePatch patch = r.json(VolumePatch.class).requireNotEmpty();
            VolumeInfo volume = null;
            if (patch.sizeBytes() != null) {
                volume = required(api.resizeVolume(name, patch.sizeBytes()));
            }
            VolumeUpdate update = patch.settingsUpdate();
            if (update != null) {
                volume = required(api.updateVolume(name, update));
            }
            return new Response.Json(200, volume);
        }));
        routes.add(bind("DELETE", "/v1/volumes/{name}", r -> {
            api.deleteVolume(r.pathParameter("name"), r.booleanQueryParameter("force", false));
            return new Response.Empty(204);
        }));
        routes.add(bind("POST", "/v1/volumes/{name}/snapshots", r -> {
            String volume = r.pathParameter("name");
            String name = r.optionalJson(SnapshotCreate.class, new SnapshotCreate(null)).name();
            return new Response.Json(201, required(api.createSnapshot(volume, name)));
        }));
        routes.add(bind("GET", "/v1/volumes/{name}/snapshots",
                r -> new Response.Json(200, new SnapshotList(api.listSnapshots(r.pathParameter("name"))))));
        routes.add(bind("GET", "/v1/volumes/{name}/snapshots/{snapshot}", r -> new Response.Json(200,
                required(api.getSnapshot(r.pathParameter("name"), r.pathParameter("snapshot"))))));
        routes.add(bind("DELETE", "/v1/volumes/{name}/snapshots/{snapshot}", r -> {
            api.deleteSnapshot(r.pathParameter("name"), r.pathParameter("snapshot"));
            return new Response.Empty(204);
        }));
        routes.add(bind("GET", "/v1/snapshots", r -> new Response.Json(200, new SnapshotList(api.listSnapshots(null)))));
        routes.add(bind("POST", "/v1/snapshot-groups", r -> {
            SnapshotGroupCreate group = r.json(SnapshotGroupCreate.class).requireValid();
            return new Response.Json(201,
                    new SnapshotList(required(api.createGroupSnapshot(group.name(), group.volumes()))));
        }));
        routes.add(bind("POST", "/v1/volumes/{name}/clone", r -> {
            String source = r.pathParameter("name");
            VolumeClone clone = r.json(VolumeClone.class);
            return new Response.Json(201,
                    required(api.cloneVolume(source, clone.snapshot(), clone.name(), clone.labels())));
        }));
        routes.add(bind("POST", "/v1/volumes/{name}/revert", r -> {
            String volume = r.pathParameter("name");
            VolumeRevert revert = r.json(VolumeRevert.class);
            return new Response.Json(200, required(api.revertVolume(volume, revert.snapshot(), revert.force())));
        }));
        routes.add(bind("POST", "/v1/volumes/{name}/attach", r -> {
            VolumeAttach attach = r.optionalJson(VolumeAttach.class, new VolumeAttach(null));
            return new Response.Json(200, required(api.attachVolume(r.pathParameter("name"), attach.node(), attach.force())));
        }));
        routes.add(bind("GET", "/v1/volumes/{name}/checksum", r -> new Response.Json(200,
                required(api.checksumVolume(r.pathParameter("name"), r.queryParameters().get("replica"))))));
        routes.add(bind("POST", "/v1/volumes/{name}/detach",
                r -> new Response.Json(200, required(api.detachVolume(r.pathParameter("name"))))));
        routes.add(bind("POST", "/v1/policies", r -> {
            PolicyCreate create = r.json(PolicyCreate.class);
            return new Response.Json(201, required(api.createPolicy(create.name(), create.schedule())));
        }));
        routes.add(bind("GET", "/v1/policies",
                r -> new Response.Json(200, new PolicyList(api.listPolicies()))));
        routes.add(bind("GET", "/v1/policies/{name}",
                r -> new Response.Json(200, required(api.getPolicy(r.pathParameter("name"))))));
        routes.add(bind("DELETE", "/v1/policies/{name}", r -> {
            api.deletePolicy(r.pathParameter("name"));
            return new Response.Empty(204);
        }));
        routes.add(bind("POST", "/v1/backup-targets",
                r -> new Response.Json(201, required(backups().createBackupTarget(r.json(BackupTargetCreate.class))))));
        routes.add(bind("GET", "/v1/backup-targets",
                r -> new Response.Json(200, new BackupTargetList(backups().listBackupTargets()))));
        routes.add(bind("GET", "/v1/backup-targets/{name}",
                r -> new Response.Json(200, required(backups().getBackupTarget(r.pathParameter("name"))))));
        routes.add(bind("DELETE", "/v1/backup-targets/{name}", r -> {
            backups().deleteBackupTarget(r.pathParameter("name"));
            return new Response.Empty(204);
        }));
        routes.add(bind("POST", "/v1/backups",
                r -> new Response.Json(202, required(backups().createBackup(r.json(BackupCreate.class))))));
        routes.add(bind("GET", "/v1/backups", r -> new Response.Json(200, new BackupList(
                backups().listBackups(r.queryParameters().get("volume"), r.queryParameters().get("target"))))));
        routes.add(bind("GET", "/v1/backups/{id}", r -> new Response.Json(200,
                required(backups().getBackup(r.pathParameter("id"), r.queryParameters().get("target"))))));
        routes.add(bind("DELETE", "/v1/backups/{id}", r -> {
            backups().deleteBackup(r.pathParameter("id"), r.queryParameters().get("target"));
            return new Response.Empty(204);
        }));
        routes.add(bind("POST", "/v1/backups/{id}/restore", r -> new Response.Json(202,
                required(backups().restoreBackup(r.pathParameter("id"), r.json(BackupRestore.class))))));
        routes.add(bind("PUT", "/v1/backup-schedules/{volume}", r -> new Response.Json(200,
                required(backups().setBackupSchedule(r.pathParameter("volume"), r.json(BackupScheduleSet.class))))));
        routes.add(bind("GET", "/v1/backup-schedules",
                r -> new Response.Json(200, new BackupScheduleList(backups().listBackupSchedules()))));
        routes.add(bind("DELETE", "/v1/backup-schedules/{volume}", r -> {
            backups().deleteBackupSchedule(r.pathParameter("volume"));
            return new Response.Empty(204);
        }));
        routes.add(bind("GET", "/v1/backup-jobs/{id}",
                r -> new Response.Json(200, required(backups().getBackupJob(r.pathParameter("id"))))));
        routes.add(bind("GET", "/v1/pools", r -> new Response.Json(200, new PoolList(api.listPools()))));
        routes.add(bind("GET", "/v1/cluster", r -> new Response.Json(200, required(api.clusterStatus()))));
        routes.add(bind("GET", "/v1/nodes", r -> new Response.Json(200, new NodeList(api.listNodes()))));
        routes.add(bind("GET", "/v1/nodes/{id}", r -> new Response.Json(200, required(api.getNode(r.pathParameter("id"))))));
        routes.add(bind("PATCH", "/v1/nodes/{id}", r -> new Response.Json(200,
                required(api.setNodeMaintenance(r.pathParameter("id"), r.json(NodePatch.class).maintenance())))));
        routes.add(bind("DELETE", "/v1/nodes/{id}", r -> {
            api.decommissionNode(r.pathParameter("id"));
            return new Response.Empty(204);
        }));
        routes.add(bind("GET", "/v1/version", r -> new Response.Json(200, required(api.version()))));
        routes.add(bind("GET", "/v1/openapi.json", r -> new Response.Bytes(200, JSON, openApiDocument)));
        routes.add(bind("GET", "/metrics", r -> new Response.Bytes(200, METRICS,
                Objects.requireNonNullElse(metricsText.get(), "").getBytes(StandardCharsets.UTF_8))));
        routes.add(bind("GET", "/healthz", r -> ready ? new Response.Json(200, Map.of("status", "ok"))
                : new Response.Json(503, Map.of("status", "starting"))));
        return List.copyOf(routes);
    }

    private static Binding bind(String method, String path, Handler handler) {
        return new Binding(new Route(method, path), handler);
    }

    private static <T> T required(T result) {
        return Objects.requireNonNull(result, "the API implementation returned null");
    }

    private void serve(HttpExchange exchange) {
        boolean admitted = inFlight.enter();
        try (exchange) {
            Encoded encoded;
            try {
                if (!admitted) {
                    throw new WharfException(ErrorCode.UNAVAILABLE, "the node is shutting down",
                            "retry in a moment, or against another node");
                }
                encoded = encode(dispatch(exchange));
            } catch (WharfException e) {
                encoded = encode(error(e, exchange));
            } catch (RuntimeException e) {
                encoded = encode(internal(e, exchange));
            } catch (Error e) {
                // Answer the client, then let the error go on: an Error is not ours to swallow.
                try {
                    write(exchange, encode(internal(e, exchange)));
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            write(exchange, encoded);
        } catch (IOException e) {
            log.debug("client went away, method={} path={}", exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), e);
        } finally {
            if (admitted) {
                inFlight.exit();
            }
        }
    }

    private Response dispatch(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        List<String> segments = List.of(rawPath.substring(1).split("/", -1));
        Set<String> allowed = new TreeSet<>();
        for (Binding binding : bindings) {
            Map<String, String> parameters = match(binding.route().segments(), segments);
            if (parameters == null) {
                continue;
            }
            if (binding.route().method().equals(method)) {
                Request request = new Request(parameters, query(exchange.getRequestURI().getRawQuery()),
                        () -> readBody(exchange));
                return binding.handler().handle(request);
            }
            allowed.add(binding.route().method());
        }
        if (!allowed.isEmpty()) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            throw new WharfException(ErrorCode.METHOD_NOT_ALLOWED,
                    "method " + method + " is not allowed on " + rawPath,
                    "use " + String.join(", ", allowed) + "; see /v1/openapi.json");
        }
        throw new WharfException(ErrorCode.NOT_FOUND, "no such route: " + method + " " + rawPath,
                "see /v1/openapi.json for the routes this node serves");
    }

    /** The path parameters if the template matches, else null. */
    private static Map<String, String> match(List<String> template, List<String> segments) {
        if (template.size() != segments.size()) {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String expected = template.get(i);
            String actual = segments.get(i);
            if (expected.startsWith("{") && expected.endsWith("}")) {
                if (actual.isEmpty()) {
                    return null;
                }
                parameters.put(expected.substring(1, expected.length() - 1), decode(actual));
            } else if (!expected.equals(actual)) {
                return null;
            }
        }
        return parameters;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.putIfAbsent(name, value);
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "malformed percent-encoding in the request URL",
                    "encode path and query parameters as UTF-8 percent-escapes");
        }
    }

    private static byte[] readBody(HttpExchange exchange) {
        try {
            InputStream in = exchange.getRequestBody();
            String declared = exchange.getRequestHeaders().getFirst("Content-Length");
            if (declared != null && declaredLength(declared) > MAX_BODY_BYTES) {
                drain(in);
                throw tooLarge();
            }
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                drain(in);
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "request body could not be read: " + e.getMessage(),
                    "send the whole body with a correct Content-Length");
        }
    }

    private static long declaredLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads and discards what is left (bounded), so the client is not reset before it reads the error. */
    private static void drain(InputStream in) throws IOException {
        byte[] scratch = new byte[64 * 1024];
        long total = 0;
        int read;
        while (total < DRAIN_LIMIT_BYTES && (read = in.read(scratch)) >= 0) {
            total += read;
        }
    }

    private static WharfException tooLarge() {
        return new WharfException(ErrorCode.INVALID_ARGUMENT,
                "request body is larger than " + MAX_BODY_BYTES + " bytes (1 MiB)",
                "request bodies are small JSON objects; check what the client sends");
    }

    private static Response error(WharfException e, HttpExchange exchange) {
        ErrorCode code = e.code();
        if (e.getCause() != null) {
            // A refusal caused by a failure underneath (I/O, a peer): worth the log, with its cause.
            log.warn("request failed, code={} method={} path={} message={}", code, exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), e.getMessage(), e.getCause());
        }
        return new Response.Json(code.httpStatus(), new ApiError(code.name(), e.getMessage(), e.hint()));
    }

    private static Response internal(Throwable e, HttpExchange exchange) {
        String reportId = HexFormat.of().toHexDigits(REPORT_IDS.nextInt());
        log.error("internal error, reportId={} method={} path={}", reportId, exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), e);
        return new Response.Json(ErrorCode.INTERNAL.httpStatus(), new ApiError(ErrorCode.INTERNAL.name(),
                "internal error (report id " + reportId + ")",
                "this is a bug in Wharf; the node logged the details under report id " + reportId
                        + ", include it when you report the problem"));
    }

    /** A response in wire form: encoding happens before any header is sent, so it can still fail cleanly. */
    private record Encoded(int status, String contentType, byte[] body) {}

    private static Encoded encode(Response response) {
        return switch (response) {
            case Response.Json json -> new Encoded(json.status(), JSON, toJson(json.body()));
            case Response.Bytes bytes -> new Encoded(bytes.status(), bytes.contentType(), bytes.body());
            case Response.Empty empty -> new Encoded(empty.status(), null, null);
        };
    }

    private static byte[] toJson(Object body) {
        try {
            return ApiJson.writer().writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write response as JSON", e);
        }
    }

    private static void write(HttpExchange exchange, Encoded encoded) throws IOException {
        if (encoded.body() == null) {
            exchange.sendResponseHeaders(encoded.status(), -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", encoded.contentType());
        exchange.sendResponseHeaders(encoded.status(), encoded.body().length == 0 ? -1 : encoded.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(encoded.body());
        }
    }
}
