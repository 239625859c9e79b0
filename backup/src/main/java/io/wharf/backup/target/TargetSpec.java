package io.wharf.backup.target;

import io.wharf.backup.BackupError;
import io.wharf.backup.BackupException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where backups go, as the user writes it:
 * <ul>
 * <li>{@code s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION&path-style=true|false]}; endpoint is
 *     for S3-compatible stores (MinIO, Ceph RGW, s3proxy) and implies path-style addressing;
 *     region defaults to {@code us-east-1};</li>
 * <li>{@code file:///ABSOLUTE/PATH} or an absolute path: a directory.</li>
 * </ul>
 * The string form ({@link #toString}) never holds credentials.
 */
public sealed interface TargetSpec permits TargetSpec.S3, TargetSpec.Directory {
    Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    Pattern PREFIX = Pattern.compile("([A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+");

    /** Creates the target; {@link BackupTarget#probe} is left to the caller. */
    BackupTarget open();

    /**
     * An S3 bucket (or a prefix in it).
     *
     * @param endpoint    null for AWS, else the store's URL (http or https)
     * @param prefix      "" for the bucket's root, else a key prefix without slashes at either end
     * @param credentials null to fail with CREDENTIALS_MISSING at open
     * @param pathStyle   path-style addressing ({@code http://host/bucket/key}), what most
     *                    S3-compatible stores need
     */
    record S3(URI endpoint, String bucket, String prefix, String region, S3Credentials credentials, boolean pathStyle)
            implements TargetSpec {
        public S3 {
            prefix = prefix == null ? "" : prefix;
            region = region == null || region.isEmpty() ? "us-east-1" : region;
        }

        public S3 withCredentials(S3Credentials newCredentials) {
            return new S3(endpoint, bucket, prefix, region, newCredentials, pathStyle);
        }

        @Override
        public BackupTarget open() {
            if (credentials == null) {
                return S3Target.failMissingCredentials(this);
            }
            return new S3Target(this);
        }

        /** {@code s3://bucket/prefix} with the endpoint, never the credentials. */
        @Override
        public String toString() {
            return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix)
                    + (endpoint == null ? "" : " at " + endpoint) + " (region " + region + ")";
        }
    }

    record Directory(Path path) implements TargetSpec {
        @Override
        public BackupTarget open() {
            return new DirectoryTarget(path);
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** Parses a location (see the interface comment); {@code credentials} is used for S3 only. */
    static TargetSpec parse(String location, S3Credentials credentials) {
        if (location == null || location.isBlank()) {
            throw invalid("no backup target was given", location);
        }
        String text = location.strip();
        if (text.startsWith("/")) {
            return new Directory(Path.of(text));
        }
        int colon = text.indexOf(':');
        String scheme = colon <= 0 ? "" : text.substring(0, colon).toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "s3" -> parseS3(text, credentials);
            case "file" -> parseFile(text);
            default -> throw new BackupException(BackupError.TARGET_INVALID,
                    "unknown backup target '" + printable(text) + "'" + (scheme.isEmpty() ? "" : " (kind '" + scheme + "')"),
                    "use s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION] or an absolute directory path");
        };
    }

    private static TargetSpec parseFile(String text) {
        try {
            URI uri = new URI(text);
            if (uri.getPath() == null || !uri.getPath().startsWith("/") || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
                throw invalid("'" + printable(text) + "' is not a file URL with an absolute path", text);
            }
            return new Directory(Path.of(uri.getPath()));
        } catch (URISyntaxException e) {
            throw invalid("'" + printable(text) + "' is not a valid URL: " + e.getReason(), text);
        }
    }

    private static TargetSpec parseS3(String text, S3Credentials credentials) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid("'" + printable(text) + "' is not a valid URL: " + e.getReason(), text);
        }
        if (uri.getRawUserInfo() != null) {
            throw new BackupException(BackupError.TARGET_INVALID, "the S3 target URL holds credentials",
                    "never put credentials in the URL: pass them by flag, environment or credentials file");
        }
        String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
        if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new BackupException(BackupError.TARGET_INVALID, "'" + printable(text) + "' does not name a valid S3 bucket",
                    "bucket names are 3 to 63 lower-case letters, digits, '.' and '-': s3://my-backups/cluster-a");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
        if (!prefix.isEmpty() && !PREFIX.matcher(prefix).matches()) {
            throw invalid("S3 prefix '" + printable(prefix) + "' is not valid", text);
        }
        Map<String, String> options = query(uri.getRawQuery(), text);
        URI endpoint = null;
        String endpointText = options.remove("endpoint");
        if (endpointText != null) {
            endpoint = endpoint(endpointText);
        }
        String region = options.remove("region");
        String pathStyleText = options.remove("path-style");
        boolean pathStyle = pathStyleText == null ? endpoint != null : Boolean.parseBoolean(pathStyleText);
        if (!options.isEmpty()) {
            throw invalid("unknown S3 target option(s) " + options.keySet(), text);
        }
        return new S3(endpoint, bucket, prefix, region, credentials, pathStyle);
    }

    /** Validates an S3 endpoint URL: http or https, with a host. */
    static URI endpoint(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new BackupException(BackupError.TARGET_INVALID, "S3 endpoint '" + printable(text) + "' is not an http or https URL with a host",
                        "give the store's URL, e.g. endpoint=https://minio.example:9000");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new BackupException(BackupError.TARGET_INVALID, "S3 endpoint '" + printable(text) + "' is not a valid URL: " + e.getReason(),
                    "give the store's URL, e.g. endpoint=https://minio.example:9000");
        }
    }

    private static Map<String, String> query(String rawQuery, String text) {
        Map<String, String> options = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return options;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw invalid("S3 target option '" + printable(pair) + "' is not key=value", text);
            }
            options.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return options;
    }

    private static BackupException invalid(String message, String text) {
        return new BackupException(BackupError.TARGET_INVALID, message,
                "use s3://BUCKET[/PREFIX][?endpoint=URL&region=REGION] or an absolute directory path");
    }

    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        String masked = text.replaceAll("//[^/@?]*@", "//****@"); // never echo user:secret@ from a URL
        String shortened = masked.length() > 120 ? masked.substring(0, 120) + "..." : masked;
        return shortened.replaceAll("\\p{Cntrl}", "?");
    }
}
