package io.wharf.backup.target;

import io.wharf.backup.BackupError;
import io.wharf.backup.BackupException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A target in an S3 bucket (AWS or any S3-compatible store), through the AWS SDK v2 with the JDK's
 * {@code HttpURLConnection} as HTTP client. The SDK's own request checksums are turned off
 * ({@code WHEN_REQUIRED}): several S3-compatible stores reject the newer trailing checksums, and every
 * object the engine writes carries its own SHA-256 or GCM tag. The SDK retries throttling and 5xx
 * answers itself (standard retry mode).
 */
public final class S3Target implements BackupTarget {
    private final TargetSpec.S3 spec;
    private final S3Client client;
    private final String keyPrefix;

    S3Target(TargetSpec.S3 spec) {
        this.spec = spec;
        this.keyPrefix = spec.prefix().isEmpty() ? "" : spec.prefix() + "/";
        S3Credentials credentials = spec.credentials();
        AwsCredentials aws = credentials.sessionToken() == null
                ? AwsBasicCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey())
                : AwsSessionCredentials.create(credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken());
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
                .region(Region.of(spec.region()))
                .credentialsProvider(StaticCredentialsProvider.create(aws))
                .forcePathStyle(spec.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofMinutes(5)));
        if (spec.endpoint() != null) {
            builder.endpointOverride(spec.endpoint());
        }
        this.client = builder.build();
    }

    static BackupTarget failMissingCredentials(TargetSpec.S3 spec) {
        throw new BackupException(BackupError.CREDENTIALS_MISSING, "no S3 credentials were given for " + spec,
                "pass --s3-access-key-id and --s3-secret-access-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                        + "or give a credentials file");
    }

    @Override
    public void probe() {
        try {
            client.headBucket(b -> b.bucket(spec.bucket()));
        } catch (SdkException e) {
            throw failure("checking the bucket of", "", e);
        }
    }

    @Override
    public void put(String key, byte[] data) {
        String full = full(key);
        try {
            client.putObject(b -> b.bucket(spec.bucket()).key(full).contentLength((long) data.length), RequestBody.fromBytes(data));
        } catch (SdkException e) {
            throw failure("writing", key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        String full = full(key);
        try {
            ResponseBytes<GetObjectResponse> bytes = client.getObject(b -> b.bucket(spec.bucket()).key(full), ResponseTransformer.toBytes());
            return Optional.of(bytes.asByteArrayUnsafe());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            if (e instanceof S3Exception s3 && s3.statusCode() == 404 && !isNoSuchBucket(s3)) {
                return Optional.empty();
            }
            throw failure("reading", key, e);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        String full = full(key);
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(spec.bucket()).key(full));
            return Optional.of(new ObjectInfo(key, head.contentLength(), head.lastModified()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            if (e instanceof S3Exception s3 && s3.statusCode() == 404) {
                // HEAD has no body, so a missing bucket also reads as a bare 404: tell them apart
                probe();
                return Optional.empty();
            }
            throw failure("checking", key, e);
        }
    }

    @Override
    public void delete(String key) {
        String full = full(key);
        try {
            client.deleteObject(b -> b.bucket(spec.bucket()).key(full));
        } catch (SdkException e) {
            if (e instanceof S3Exception s3 && s3.statusCode() == 404 && !isNoSuchBucket(s3)) {
                return;
            }
            throw failure("deleting", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        List<ObjectInfo> objects = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(spec.bucket()).prefix(keyPrefix + prefix)).contents()) {
                objects.add(new ObjectInfo(object.key().substring(keyPrefix.length()), object.size(), object.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("listing", prefix.isEmpty() ? "/" : prefix, e);
        }
        objects.sort(java.util.Comparator.comparing(ObjectInfo::key));
        return objects;
    }

    @Override
    public String describe() {
        return spec.toString();
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return describe();
    }

    private String full(String key) {
        return keyPrefix + BackupTarget.requireValidKey(key);
    }

    private static boolean isNoSuchBucket(S3Exception e) {
        return e instanceof NoSuchBucketException
                || (e.awsErrorDetails() != null && "NoSuchBucket".equals(e.awsErrorDetails().errorCode()));
    }

    /** One table from SDK failures to reasons; messages name the target, never a secret. */
    private BackupException failure(String action, String key, SdkException e) {
        String where = (key.isEmpty() ? "" : key + " in ") + describe();
        if (e instanceof S3Exception s3) {
            String errorCode = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            String detail = errorCode == null ? "HTTP " + s3.statusCode() : errorCode + ", HTTP " + s3.statusCode();
            if (isNoSuchBucket(s3) || (s3.statusCode() == 404 && key.isEmpty())) {
                return new BackupException(BackupError.TARGET_NOT_FOUND, "S3 bucket '" + spec.bucket() + "' does not exist ("
                        + describe() + ")", "create the bucket, or fix the bucket name or endpoint", e);
            }
            if (s3.statusCode() == 403 || s3.statusCode() == 401) {
                return new BackupException(BackupError.TARGET_ACCESS_DENIED, action + " " + where + ": access denied ("
                        + detail + ") for access key " + spec.credentials().maskedAccessKeyId(),
                        "check the access key id and secret access key, and that they may read and write the bucket", e);
            }
            if (s3.statusCode() >= 500 || s3.statusCode() == 429) {
                return new BackupException(BackupError.TARGET_UNAVAILABLE, action + " " + where + " failed: the store answered "
                        + detail, "the store is overloaded or failing; retry later", e);
            }
            return new BackupException(BackupError.TARGET_IO, action + " " + where + " failed: " + detail,
                    "check the target's settings", e);
        }
        if (e instanceof SdkClientException) {
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof UnknownHostException) {
                    return new BackupException(BackupError.TARGET_UNAVAILABLE, "cannot reach " + describe() + ": unknown host "
                            + cause.getMessage(), "check the endpoint URL and DNS", e);
                }
                if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
                    return new BackupException(BackupError.TARGET_UNAVAILABLE, "cannot reach " + describe() + ": connection refused",
                            "check the endpoint URL and that the store is running", e);
                }
                if (cause instanceof SocketTimeoutException) {
                    return new BackupException(BackupError.TARGET_UNAVAILABLE, action + " " + where + " timed out",
                            "check the network path to the store", e);
                }
            }
        }
        String simple = e.getClass().getSimpleName();
        return new BackupException(BackupError.TARGET_IO, action + " " + where + " failed (" + simple + ")",
                "check the target's settings and that the store is reachable", e);
    }
}
