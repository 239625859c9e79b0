package io.wharf.backup.target;

import io.wharf.backup.BackupError;
import io.wharf.backup.BackupException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * S3 access key pair (and optional session token). {@link #toString} masks them: the secret and the
 * token never appear in messages, logs or {@code inspect} output; the access key id shows its first
 * four characters only.
 *
 * <p>Where they come from, weakest first ({@link #resolve}): a credentials file, the environment
 * ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}), flags.
 * The file is either the AWS shared-credentials format ({@code [profile]} sections with {@code
 * aws_access_key_id}, {@code aws_secret_access_key}, {@code aws_session_token}) or plain
 * {@code key=value} lines with those keys.
 */
public final class S3Credentials {
    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;

    public S3Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
        this.accessKeyId = Objects.requireNonNull(accessKeyId, "accessKeyId");
        this.secretAccessKey = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        this.sessionToken = sessionToken == null || sessionToken.isEmpty() ? null : sessionToken;
    }

    public static S3Credentials of(String accessKeyId, String secretAccessKey) {
        return new S3Credentials(accessKeyId, secretAccessKey, null);
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** Null when there is none. */
    public String sessionToken() {
        return sessionToken;
    }

    /**
     * Flags win over the environment, which wins over the file; the key id and secret come from the
     * same source. Any argument may be null.
     *
     * @param flagAccessKeyId  {@code --s3-access-key-id}
     * @param flagSecret       {@code --s3-secret-access-key}
     * @param environment      normally {@code System.getenv()}
     * @param file             a credentials file
     * @param profile          the file's section to use; null for {@code default}
     */
    public static S3Credentials resolve(String flagAccessKeyId, String flagSecret, Map<String, String> environment,
                                        Path file, String profile) {
        if (flagAccessKeyId != null || flagSecret != null) {
            if (flagAccessKeyId == null || flagSecret == null) {
                throw missing("only one of the access key id and the secret access key was given as a flag");
            }
            return of(flagAccessKeyId, flagSecret);
        }
        if (environment != null && environment.get("AWS_ACCESS_KEY_ID") != null) {
            String secret = environment.get("AWS_SECRET_ACCESS_KEY");
            if (secret == null) {
                throw missing("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
            }
            return new S3Credentials(environment.get("AWS_ACCESS_KEY_ID"), secret, environment.get("AWS_SESSION_TOKEN"));
        }
        if (file != null) {
            return fromFile(file, profile);
        }
        throw missing("no S3 credentials were given");
    }

    /** Reads the file (see the class comment). */
    public static S3Credentials fromFile(Path file, String profile) {
        String section = profile == null ? "default" : profile;
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackupException(BackupError.CREDENTIALS_MISSING, "cannot read the S3 credentials file " + file
                    + " (" + e.getClass().getSimpleName() + ")", "check the path and its permissions", e);
        }
        Map<String, String> values = new HashMap<>();
        String current = null; // null: before any section header
        boolean sawSections = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                sawSections = true;
                current = line.substring(1, line.length() - 1).strip();
                if (current.startsWith("profile ")) {
                    current = current.substring("profile ".length()).strip();
                }
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0 || (sawSections && !section.equals(current))) {
                continue;
            }
            values.putIfAbsent(line.substring(0, equals).strip().toLowerCase(java.util.Locale.ROOT), line.substring(equals + 1).strip());
        }
        String id = values.get("aws_access_key_id");
        String secret = values.get("aws_secret_access_key");
        if (id == null || secret == null) {
            throw missing("the S3 credentials file " + file + " has no aws_access_key_id and aws_secret_access_key"
                    + (sawSections ? " in profile [" + section + "]" : ""));
        }
        return new S3Credentials(id, secret, values.get("aws_session_token"));
    }

    private static BackupException missing(String message) {
        return new BackupException(BackupError.CREDENTIALS_MISSING, message,
                "pass --s3-access-key-id and --s3-secret-access-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                        + "or give a credentials file with aws_access_key_id and aws_secret_access_key");
    }

    /** The access key id with all but its first four characters masked. */
    public String maskedAccessKeyId() {
        return accessKeyId.length() <= 4 ? "****" : accessKeyId.substring(0, 4) + "****";
    }

    @Override
    public String toString() {
        return "S3Credentials[accessKeyId=" + maskedAccessKeyId() + ", secretAccessKey=****"
                + (sessionToken == null ? "" : ", sessionToken=****") + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof S3Credentials that && accessKeyId.equals(that.accessKeyId)
                && secretAccessKey.equals(that.secretAccessKey) && Objects.equals(sessionToken, that.sessionToken);
    }

    @Override
    public int hashCode() {
        return accessKeyId.hashCode();
    }
}
