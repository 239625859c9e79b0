package io.wharf.backup;

import static io.wharf.backup.BackupContractTest.catchBackup;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.backup.target.DirectoryTarget;
import io.wharf.backup.target.S3Credentials;
import io.wharf.backup.target.TargetSpec;
import io.wharf.core.ErrorCode;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives a stable reason, a message that says what is wrong, a hint, and never a secret or a stack trace. */
class TargetErrorsTest {
    private static S3ProxyServer server;

    @TempDir
    Path directory;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
        server.createBucket("present");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static void assertClear(BackupException e, BackupError reason, ErrorCode code) {
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(S3ProxyServer.SECRET_KEY);
        assertThat(e.hint()).isNotBlank();
    }

    @Test
    void unknownKindsOfTargetAndBadUrlsAreInvalid() {
        BackupException ftp = catchBackup(() -> TargetSpec.parse("ftp://host/backups", null));
        assertClear(ftp, BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        assertThat(ftp.getMessage()).contains("unknown backup target").contains("ftp");
        assertThat(ftp.hint()).contains("s3://");
        assertClear(catchBackup(() -> TargetSpec.parse("relative/dir", null)), BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        assertClear(catchBackup(() -> TargetSpec.parse("", null)), BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        assertClear(catchBackup(() -> TargetSpec.parse("s3://Bad_Bucket/x", null)), BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        BackupException endpoint = catchBackup(() -> TargetSpec.parse("s3://good-bucket/x?endpoint=htp:/nohost", null));
        assertClear(endpoint, BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        assertThat(endpoint.getMessage()).contains("endpoint");
        assertClear(catchBackup(() -> TargetSpec.parse("s3://good-bucket/x?colour=blue", null)), BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        assertClear(catchBackup(() -> TargetSpec.parse("s3://good-bucket/x y", null)), BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        BackupException inUrl = catchBackup(() -> TargetSpec.parse("s3://AKIAEXAMPLE:" + S3ProxyServer.SECRET_KEY + "@good-bucket/x", null));
        assertClear(inUrl, BackupError.TARGET_INVALID, ErrorCode.INVALID_ARGUMENT);
        assertThat(inUrl.getMessage()).doesNotContain("AKIAEXAMPLE");
    }

    @Test
    void parsesS3AndDirectoryTargetsWithoutShowingCredentials() {
        S3Credentials credentials = S3Credentials.of("AKIAEXAMPLE1234", S3ProxyServer.SECRET_KEY);
        TargetSpec spec = TargetSpec.parse("s3://my-backups/cluster-a/vols/?endpoint=http://127.0.0.1:9000&region=eu-west-1", credentials);
        assertThat(spec).isEqualTo(new TargetSpec.S3(URI.create("http://127.0.0.1:9000"), "my-backups", "cluster-a/vols", "eu-west-1",
                credentials, true));
        assertThat(spec.toString()).contains("s3://my-backups/cluster-a/vols").doesNotContain(S3ProxyServer.SECRET_KEY).doesNotContain("AKIAEXAMPLE1234");
        assertThat(credentials.toString()).isEqualTo("S3Credentials[accessKeyId=AKIA****, secretAccessKey=****]");
        TargetSpec aws = TargetSpec.parse("s3://my-backups", credentials);
        assertThat(((TargetSpec.S3) aws).pathStyle()).isFalse();
        assertThat(((TargetSpec.S3) aws).region()).isEqualTo("us-east-1");
        assertThat(TargetSpec.parse("/var/backups", null)).isEqualTo(new TargetSpec.Directory(Path.of("/var/backups")));
        assertThat(TargetSpec.parse("file:///var/backups", null)).isEqualTo(new TargetSpec.Directory(Path.of("/var/backups")));
    }

    @Test
    void missingBucketIsNotFound() {
        BackupException e = catchBackup(() -> BackupEngine.open(server.spec("absent-bucket", ""), BackupContractTest.config(), null));
        assertClear(e, BackupError.TARGET_NOT_FOUND, ErrorCode.NOT_FOUND);
        assertThat(e.getMessage()).contains("absent-bucket").contains("does not exist");
    }

    @Test
    void wrongCredentialsAreDenied() {
        TargetSpec.S3 spec = server.spec("present", "").withCredentials(S3Credentials.of(S3ProxyServer.ACCESS_KEY, "not-the-secret"));
        BackupException e = catchBackup(() -> BackupEngine.open(spec, BackupContractTest.config(), null));
        assertClear(e, BackupError.TARGET_ACCESS_DENIED, ErrorCode.PERMISSION_DENIED);
        assertThat(e.getMessage()).contains("access denied").contains("whar****").doesNotContain("not-the-secret");
        TargetSpec.S3 unknownKey = server.spec("present", "").withCredentials(S3Credentials.of("nobody", "nothing-at-all"));
        assertClear(catchBackup(() -> BackupEngine.open(unknownKey, BackupContractTest.config(), null)),
                BackupError.TARGET_ACCESS_DENIED, ErrorCode.PERMISSION_DENIED);
    }

    @Test
    void unreachableEndpointIsUnavailable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        TargetSpec spec = TargetSpec.parse("s3://present?endpoint=http://127.0.0.1:" + port,
                S3Credentials.of(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY));
        BackupException e = catchBackup(() -> BackupEngine.open(spec, BackupContractTest.config(), null));
        assertClear(e, BackupError.TARGET_UNAVAILABLE, ErrorCode.UNAVAILABLE);
        assertThat(e.getMessage()).contains("cannot reach").contains("127.0.0.1:" + port);
    }

    @Test
    void missingCredentialsAndMissingDirectoryAreNamed() {
        TargetSpec noCredentials = TargetSpec.parse("s3://present?endpoint=" + server.endpoint, null);
        assertClear(catchBackup(() -> BackupEngine.open(noCredentials, BackupContractTest.config(), null)),
                BackupError.CREDENTIALS_MISSING, ErrorCode.INVALID_ARGUMENT);
        Path missing = directory.resolve("not-there");
        BackupException e = catchBackup(() -> BackupEngine.open(new DirectoryTarget(missing), BackupContractTest.config(), null));
        assertClear(e, BackupError.TARGET_NOT_FOUND, ErrorCode.NOT_FOUND);
        assertThat(e.getMessage()).contains(missing.toString());
    }

    @Test
    void aKeyForAPlaintextTargetAndForeignContentAreRefused() throws Exception {
        try (BackupEngine engine = BackupEngine.open(new DirectoryTarget(directory), BackupContractTest.config(), null)) {
            engine.create(BackupRequest.of("db", MemoryVolume.random(1 << 20, 1)), null);
        }
        assertClear(catchBackup(() -> BackupEngine.open(new DirectoryTarget(directory), BackupContractTest.config(),
                io.wharf.backup.crypto.EncryptionSecret.passphrase("some passphrase"))), BackupError.ENCRYPTION_NOT_ENABLED, ErrorCode.INVALID_ARGUMENT);
        Files.delete(directory.resolve("wharf-backup.json"));
        assertClear(catchBackup(() -> BackupEngine.open(new DirectoryTarget(directory), BackupContractTest.config(), null)),
                BackupError.TARGET_FORMAT, ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void credentialsResolveFlagsOverEnvironmentOverFile() throws Exception {
        Path file = directory.resolve("credentials");
        Files.writeString(file, """
                [default]
                aws_access_key_id = FILEDEFAULT
                aws_secret_access_key = file-default-secret
                [backup]
                aws_access_key_id = FILEBACKUP
                aws_secret_access_key = file-backup-secret
                aws_session_token = token
                """);
        Map<String, String> environment = Map.of("AWS_ACCESS_KEY_ID", "ENVKEY", "AWS_SECRET_ACCESS_KEY", "env-secret");
        assertThat(S3Credentials.resolve("FLAGKEY", "flag-secret", environment, file, null)).isEqualTo(S3Credentials.of("FLAGKEY", "flag-secret"));
        assertThat(S3Credentials.resolve(null, null, environment, file, null)).isEqualTo(S3Credentials.of("ENVKEY", "env-secret"));
        assertThat(S3Credentials.resolve(null, null, Map.of(), file, null)).isEqualTo(S3Credentials.of("FILEDEFAULT", "file-default-secret"));
        S3Credentials profile = S3Credentials.resolve(null, null, Map.of(), file, "backup");
        assertThat(profile).isEqualTo(new S3Credentials("FILEBACKUP", "file-backup-secret", "token"));
        assertThat(profile.toString()).doesNotContain("secret-").doesNotContain("token]").contains("sessionToken=****");
        Path plain = directory.resolve("plain");
        Files.writeString(plain, "aws_access_key_id=PLAIN\naws_secret_access_key=plain-secret\n");
        assertThat(S3Credentials.fromFile(plain, null)).isEqualTo(S3Credentials.of("PLAIN", "plain-secret"));
        assertClear(catchBackup(() -> S3Credentials.resolve("only-key", null, Map.of(), null, null)),
                BackupError.CREDENTIALS_MISSING, ErrorCode.INVALID_ARGUMENT);
        assertClear(catchBackup(() -> S3Credentials.resolve(null, null, Map.of(), null, null)),
                BackupError.CREDENTIALS_MISSING, ErrorCode.INVALID_ARGUMENT);
        assertClear(catchBackup(() -> S3Credentials.resolve(null, null, Map.of(), file, "absent")),
                BackupError.CREDENTIALS_MISSING, ErrorCode.INVALID_ARGUMENT);
    }
}
