package io.wharf.cli.backup;

import io.wharf.api.BackupTargetCreate;
import io.wharf.api.BackupTargetInfo;
import io.wharf.backup.target.S3Credentials;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "add", description = {"Add a backup target: an S3 bucket (any S3-compatible store) or a directory.",
        "S3 credentials come from --access-key-id/--secret-access-key, else $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY,",
        "else --credentials-file (AWS ini format); they are stored in the cluster and never shown again."})
public final class BackupTargetAddCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Where where;

    static final class Where {
        @Option(names = "--s3", paramLabel = "URL", description = "the S3 endpoint, e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000")
        String s3;
        @Option(names = "--dir", paramLabel = "PATH", description = "an absolute directory on every node (e.g. an NFS mount)")
        Path dir;
    }

    @Option(names = "--bucket", paramLabel = "BUCKET", description = "the bucket (with --s3)")
    private String bucket;

    @Option(names = "--region", paramLabel = "REGION", description = "the bucket's region (default us-east-1)")
    private String region;

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "a key prefix in the bucket, e.g. cluster-a")
    private String prefix;

    @Option(names = "--access-key-id", paramLabel = "ID")
    private String accessKeyId;

    @Option(names = "--secret-access-key", paramLabel = "KEY")
    private String secretAccessKey;

    @Option(names = "--credentials-file", paramLabel = "FILE", description = "an AWS credentials file")
    private Path credentialsFile;

    @Option(names = "--profile", paramLabel = "PROFILE", description = "the credentials file's profile (default: default)")
    private String profile;

    @Option(names = "--encryption-passphrase-file", paramLabel = "FILE",
            description = "encrypt everything in the target with a key derived from this file's first line (AES-256-GCM); "
                    + "restores need the same passphrase")
    private Path passphraseFile;

    @Option(names = "--full-every", paramLabel = "N", description = "every Nth backup of a volume is a full one (default 7)")
    private Integer fullEvery;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        String location;
        String keyId = null;
        String secret = null;
        if (where.dir != null) {
            if (bucket != null || region != null || prefix != null || accessKeyId != null || secretAccessKey != null
                    || credentialsFile != null) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--bucket, --region, --prefix and credentials go with --s3, not --dir",
                        "drop them, or use --s3 URL --bucket B");
            }
            location = where.dir.toAbsolutePath().normalize().toString();
        } else {
            if (bucket == null || bucket.isBlank()) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "--s3 needs --bucket", "e.g. --s3 http://minio:9000 --bucket backups");
            }
            location = "s3://" + bucket.strip() + (prefix == null || prefix.isBlank() ? "" : "/" + prefix.strip())
                    + "?endpoint=" + URLEncoder.encode(where.s3.strip(), StandardCharsets.UTF_8)
                    + (region == null || region.isBlank() ? "" : "&region=" + URLEncoder.encode(region.strip(), StandardCharsets.UTF_8));
            S3Credentials credentials = credentials();
            if (credentials != null) {
                keyId = credentials.accessKeyId();
                secret = credentials.secretAccessKey();
            }
        }
        BackupTargetInfo target = backups().createBackupTarget(new BackupTargetCreate(name, location, keyId, secret, passphrase(), fullEvery));
        if (output.json()) {
            printJson(target);
            return;
        }
        out().println("backup target " + target.name() + " added: " + target.location()
                + (target.encrypted() ? " (encrypted)" : ""));
    }

    /** Flags, then this shell's AWS_* environment, then the file; null when none has any (the nodes' environment then). */
    private S3Credentials credentials() {
        if (accessKeyId == null && secretAccessKey == null && credentialsFile == null
                && environment().variables().get("AWS_ACCESS_KEY_ID") == null) {
            return null;
        }
        return S3Credentials.resolve(accessKeyId, secretAccessKey, environment().variables(), credentialsFile, profile);
    }

    private String passphrase() {
        if (passphraseFile == null) {
            return null;
        }
        try {
            String text = Files.readString(passphraseFile, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (text.length() < 8) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "the passphrase in " + passphraseFile + " is shorter than 8 characters",
                        "put a long random passphrase on its first line, e.g. openssl rand -base64 32 > " + passphraseFile);
            }
            return text;
        } catch (IOException e) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "cannot read the passphrase file " + passphraseFile + ": "
                    + e.getClass().getSimpleName(), "check the path and its permissions");
        }
    }
}
