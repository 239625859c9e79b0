package io.wharf.backup;

import io.wharf.backup.target.BackupTarget;
import io.wharf.backup.target.DirectoryTarget;
import io.wharf.backup.target.S3Credentials;
import io.wharf.backup.target.TargetSpec;
import java.net.URI;
import java.nio.file.Path;

/**
 * The child process of {@link KillNineResumeTest}: backs up an image file with a bandwidth limit (so
 * that it is slow enough to be killed half-way) and prints DONE when the backup is complete.
 *
 * <pre>ResumeChild dir PATH IMAGE BACKUP_ID BYTES_PER_SECOND
 * ResumeChild s3 ENDPOINT BUCKET ACCESS_KEY SECRET IMAGE BACKUP_ID BYTES_PER_SECOND</pre>
 */
public final class ResumeChild {
    private ResumeChild() {}

    public static void main(String[] args) throws Exception {
        BackupTarget target;
        int rest;
        if (args[0].equals("dir")) {
            target = new DirectoryTarget(Path.of(args[1]));
            rest = 2;
        } else {
            target = new TargetSpec.S3(URI.create(args[1]), args[2], "resume", "us-east-1", S3Credentials.of(args[3], args[4]), true).open();
            rest = 5;
        }
        Path image = Path.of(args[rest]);
        String backupId = args[rest + 1];
        long bandwidth = Long.parseLong(args[rest + 2]);
        BackupConfig config = BackupContractTest.config().withConcurrency(2).withBandwidth(bandwidth);
        try (BackupEngine engine = BackupEngine.open(target, config, null);
             FileVolume source = FileVolume.openForReading(image)) {
            engine.create(BackupRequest.of("db", source).withBackupId(backupId), null);
        }
        System.out.println("DONE");
    }
}
