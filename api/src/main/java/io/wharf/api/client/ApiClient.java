package io.wharf.api.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.wharf.api.ApiError;
import io.wharf.api.ApiJson;
import io.wharf.api.BackupApi;
import io.wharf.api.BackupCreate;
import io.wharf.api.BackupList;
import io.wharf.api.BackupRestore;
import io.wharf.api.BackupStatus;
import io.wharf.api.BackupTargetCreate;
import io.wharf.api.BackupTargetInfo;
import io.wharf.api.BackupTargetList;
import io.wharf.api.ClusterInfo;
import io.wharf.api.NodeInfo;
import io.wharf.api.NodeList;
import io.wharf.api.NodePatch;
import io.wharf.api.PolicyCreate;
import io.wharf.api.PolicyInfo;
import io.wharf.api.PolicyList;
import io.wharf.api.PoolInfo;
import io.wharf.api.PoolList;
import io.wharf.api.SnapshotCreate;
import io.wharf.api.SnapshotGroupCreate;
import io.wharf.api.SnapshotInfo;
import io.wharf.api.SnapshotList;
import io.wharf.api.VersionInfo;
import io.wharf.api.VolumeClone;
import io.wharf.api.VolumeAttach;
import io.wharf.api.VolumeChecksum;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.VolumeList;
import io.wharf.api.VolumePatch;
import io.wharf.api.VolumeResize;
import io.wharf.api.VolumeRevert;
import io.wharf.api.VolumeUpdate;
import io.wharf.api.WharfApi;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@link WharfApi} over HTTP. Refusals come back as the {@link WharfException} the node threw
 * (same code, message and hint); a node that cannot be reached is {@link ErrorCode#UNAVAILABLE}.
 */
public final class ApiClient implements WharfApi, BackupApi, AutoCloseable {
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final String JSON = "application/json";
    private static final String UNREACHABLE_HINT =
            "start a node with `./wharf up` or set --endpoint / WHARF_ENDPOINT";

    private final URI endpoint;
    private final String base;
    private final Duration requestTimeout;
    private final HttpClient http;

    public ApiClient(URI endpoint) {
        this(endpoint, DEFAULT_REQUEST_TIMEOUT);
    }

    public ApiClient(URI endpoint, Duration requestTimeout) {
        this.endpoint = validate(endpoint);
        String text = endpoint.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Checks that {@code endpoint} is an http(s) URL with a host, the only kind the client can use. */
    public static URI validate(URI endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null
                || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "endpoint '" + endpoint + "' is not an http:// or https:// URL of a Wharf node",
                    "write it like http://127.0.0.1:9020");
        }
        return endpoint;
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public VolumeInfo createVolume(VolumeCreate request) {
        return call("POST", "/v1/volumes", Objects.requireNonNull(request, "request"), VolumeInfo.class);
    }

    @Override
    public List<VolumeInfo> listVolumes(String node) {
        String query = node == null ? "" : "?node=" + java.net.URLEncoder.encode(node, java.nio.charset.StandardCharsets.UTF_8);
        return call("GET", "/v1/volumes" + query, null, VolumeList.class).volumes();
    }

    @Override
    public VolumeInfo getVolume(String name) {
        return call("GET", "/v1/volumes/" + segment(name), null, VolumeInfo.class);
    }

    @Override
    public VolumeInfo resizeVolume(String name, long sizeBytes) {
        return call("PATCH", "/v1/volumes/" + segment(name), new VolumeResize(sizeBytes), VolumeInfo.class);
    }

    @Override
    public void deleteVolume(String name, boolean force) {
        call("DELETE", "/v1/volumes/" + segment(name) + "?force=" + force, null, Void.class);
    }

    @Override
    public SnapshotInfo createSnapshot(String volume, String name) {
        return call("POST", "/v1/volumes/" + segment(volume) + "/snapshots", new SnapshotCreate(name),
                SnapshotInfo.class);
    }

    @Override
    public List<SnapshotInfo> createGroupSnapshot(String group, List<String> volumes) {
        SnapshotGroupCreate request = new SnapshotGroupCreate(Objects.requireNonNull(group, "group"),
                Objects.requireNonNull(volumes, "volumes"));
        return call("POST", "/v1/snapshot-groups", request, SnapshotList.class).snapshots();
    }

    @Override
    public List<SnapshotInfo> listSnapshots(String volume) {
        String path = volume == null ? "/v1/snapshots" : "/v1/volumes/" + segment(volume) + "/snapshots";
        return call("GET", path, null, SnapshotList.class).snapshots();
    }

    @Override
    public SnapshotInfo getSnapshot(String volume, String snapshot) {
        return call("GET", snapshotPath(volume, snapshot), null, SnapshotInfo.class);
    }

    @Override
    public void deleteSnapshot(String volume, String snapshot) {
        call("DELETE", snapshotPath(volume, snapshot), null, Void.class);
    }

    @Override
    public VolumeInfo cloneVolume(String source, String snapshot, String name, Map<String, String> labels) {
        return call("POST", "/v1/volumes/" + segment(source) + "/clone",
                new VolumeClone(Objects.requireNonNull(name, "name"), snapshot, labels), VolumeInfo.class);
    }

    @Override
    public VolumeInfo revertVolume(String volume, String snapshot, boolean force) {
        return call("POST", "/v1/volumes/" + segment(volume) + "/revert",
                new VolumeRevert(Objects.requireNonNull(snapshot, "snapshot"), force), VolumeInfo.class);
    }

    /** Sends only the fields that are set; a null field is left out, so the node leaves it unchanged. */
    @Override
    public VolumeInfo updateVolume(String name, VolumeUpdate update) {
        Objects.requireNonNull(update, "update");
        return call("PATCH", "/v1/volumes/" + segment(name),
                new VolumePatch(null, update.snapshotSchedule(), update.schedulePolicy(), update.repl()), VolumeInfo.class);
    }

    @Override
    public PolicyInfo createPolicy(String name, String schedule) {
        return call("POST", "/v1/policies", new PolicyCreate(Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(schedule, "schedule")), PolicyInfo.class);
    }

    @Override
    public List<PolicyInfo> listPolicies() {
        return call("GET", "/v1/policies", null, PolicyList.class).policies();
    }

    @Override
    public PolicyInfo getPolicy(String name) {
        return call("GET", "/v1/policies/" + segment(name), null, PolicyInfo.class);
    }

    @Override
    public void deletePolicy(String name) {
        call("DELETE", "/v1/policies/" + segment(name), null, Void.class);
    }

    @Override
    public List<PoolInfo> listPools() {
        return call("GET", "/v1/pools", null, PoolList.class).pools();
    }

    @Override
    public ClusterInfo clusterStatus() {
        return call("GET", "/v1/cluster", null, ClusterInfo.class);
    }

    @Override
    public VolumeInfo attachVolume(String name, String node, boolean force) {
        return call("POST", "/v1/volumes/" + segment(name) + "/attach", new VolumeAttach(node, force), VolumeInfo.class);
    }

    @Override
    public VolumeChecksum checksumVolume(String name, String replica) {
        return call("GET", "/v1/volumes/" + segment(name) + "/checksum"
                + (replica == null ? "" : "?replica=" + segment(replica)), null, VolumeChecksum.class);
    }

    @Override
    public VolumeInfo detachVolume(String name) {
        return call("POST", "/v1/volumes/" + segment(name) + "/detach", null, VolumeInfo.class);
    }

    @Override
    public List<NodeInfo> listNodes() {
        return call("GET", "/v1/nodes", null, NodeList.class).nodes();
    }

    @Override
    public NodeInfo getNode(String id) {
        return call("GET", "/v1/nodes/" + segment(id), null, NodeInfo.class);
    }

    @Override
    public NodeInfo setNodeMaintenance(String id, boolean maintenance) {
        return call("PATCH", "/v1/nodes/" + segment(id), new NodePatch(maintenance), NodeInfo.class);
    }

    @Override
    public void decommissionNode(String id) {
        call("DELETE", "/v1/nodes/" + segment(id), null, Void.class);
    }

    @Override
    public BackupTargetInfo createBackupTarget(BackupTargetCreate request) {
        return call("POST", "/v1/backup-targets", Objects.requireNonNull(request, "request"), BackupTargetInfo.class);
    }

    @Override
    public List<BackupTargetInfo> listBackupTargets() {
        return call("GET", "/v1/backup-targets", null, BackupTargetList.class).targets();
    }

    @Override
    public BackupTargetInfo getBackupTarget(String name) {
        return call("GET", "/v1/backup-targets/" + segment(name), null, BackupTargetInfo.class);
    }

    @Override
    public void deleteBackupTarget(String name) {
        call("DELETE", "/v1/backup-targets/" + segment(name), null, Void.class);
    }

    @Override
    public BackupStatus createBackup(BackupCreate request) {
        return call("POST", "/v1/backups", Objects.requireNonNull(request, "request"), BackupStatus.class);
    }

    @Override
    public List<BackupStatus> listBackups(String volume, String target) {
        List<String> query = new java.util.ArrayList<>();
        if (volume != null) {
            query.add("volume=" + segment(volume));
        }
        if (target != null) {
            query.add("target=" + segment(target));
        }
        return call("GET", "/v1/backups" + (query.isEmpty() ? "" : "?" + String.join("&", query)), null, BackupList.class).backups();
    }

    @Override
    public BackupStatus getBackup(String id, String target) {
        return call("GET", "/v1/backups/" + segment(id) + (target == null ? "" : "?target=" + segment(target)), null, BackupStatus.class);
    }

    @Override
    public void deleteBackup(String id, String target) {
        call("DELETE", "/v1/backups/" + segment(id) + (target == null ? "" : "?target=" + segment(target)), null, Void.class);
    }

    @Override
    public BackupStatus restoreBackup(String id, BackupRestore request) {
        return call("POST", "/v1/backups/" + segment(id) + "/restore", Objects.requireNonNull(request, "request"), BackupStatus.class);
    }

    @Override
    public io.wharf.api.BackupScheduleInfo setBackupSchedule(String volume, io.wharf.api.BackupScheduleSet request) {
        return call("PUT", "/v1/backup-schedules/" + segment(volume), Objects.requireNonNull(request, "request"),
                io.wharf.api.BackupScheduleInfo.class);
    }

    @Override
    public List<io.wharf.api.BackupScheduleInfo> listBackupSchedules() {
        return call("GET", "/v1/backup-schedules", null, io.wharf.api.BackupScheduleList.class).schedules();
    }

    @Override
    public void deleteBackupSchedule(String volume) {
        call("DELETE", "/v1/backup-schedules/" + segment(volume), null, Void.class);
    }

    @Override
    public BackupStatus getBackupJob(String id) {
        return call("GET", "/v1/backup-jobs/" + segment(id), null, BackupStatus.class);
    }

    @Override
    public VersionInfo version() {
        return call("GET", "/v1/version", null, VersionInfo.class);
    }

    @Override
    public void close() {
        http.close();
    }

    private static String snapshotPath(String volume, String snapshot) {
        return "/v1/volumes/" + segment(volume) + "/snapshots/" + segment(snapshot);
    }

    private static String segment(String name) {
        Objects.requireNonNull(name, "name");
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private <T> T call(String method, String path, Object body, Class<T> type) {
        URI uri = URI.create(base + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", JSON);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", JSON).method(method, HttpRequest.BodyPublishers.ofByteArray(toJson(body)));
        }
        HttpResponse<byte[]> response = send(request.build());
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw refusal(status, response.body(), method, uri);
        }
        if (type == Void.class) {
            return null;
        }
        try {
            return ApiJson.reader().readValue(response.body(), type);
        } catch (IOException e) {
            throw new WharfException(ErrorCode.INTERNAL,
                    "the Wharf API at " + endpoint + " sent a " + type.getSimpleName() + " this client cannot read: "
                            + describe(e),
                    "the node and this client may be of different versions; compare `wharf --version` with "
                            + endpoint + "/v1/version", e);
        }
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw unreachable(e);
        } catch (HttpTimeoutException e) {
            throw new WharfException(ErrorCode.UNAVAILABLE,
                    "the Wharf API at " + endpoint + " did not answer within " + requestTimeout.toSeconds() + "s",
                    "check that the node is healthy (" + endpoint + "/healthz) and try again", e);
        } catch (IOException e) {
            if (causedByConnectFailure(e)) {
                throw unreachable(e);
            }
            throw new WharfException(ErrorCode.UNAVAILABLE,
                    "lost the connection to the Wharf API at " + endpoint + ": " + describe(e),
                    "check that the node is running and try again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorCode.UNAVAILABLE,
                    "interrupted while waiting for the Wharf API at " + endpoint, "", e);
        }
    }

    private WharfException unreachable(Exception e) {
        return new WharfException(ErrorCode.UNAVAILABLE, "cannot reach the Wharf API at " + endpoint,
                UNREACHABLE_HINT, e);
    }

    private static boolean causedByConnectFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private WharfException refusal(int status, byte[] body, String method, URI uri) {
        ApiError error = null;
        try {
            error = ApiJson.reader().readValue(body, ApiError.class);
        } catch (IOException | RuntimeException e) {
            // not our error shape: a proxy, or not a Wharf node at all; handled below
        }
        if (error != null && error.code() != null && error.message() != null) {
            ErrorCode code = ErrorCode.parse(error.code());
            String message = code.name().equals(error.code()) ? error.message()
                    : error.message() + " (code " + error.code() + ")";
            return new WharfException(code, message, error.hint());
        }
        String snippet = new String(body, StandardCharsets.UTF_8).strip();
        if (snippet.length() > 200) {
            snippet = snippet.substring(0, 200) + "...";
        }
        ErrorCode code = status == 502 || status == 503 || status == 504 ? ErrorCode.UNAVAILABLE : ErrorCode.INTERNAL;
        return new WharfException(code,
                "unexpected HTTP " + status + " for " + method + " " + uri + (snippet.isEmpty() ? "" : ": " + snippet),
                "check that " + endpoint + " is a Wharf node (try " + endpoint + "/v1/version)");
    }

    private static byte[] toJson(Object body) {
        try {
            return ApiJson.writer().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write request as JSON", e);
        }
    }

    private static String describe(Exception e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
