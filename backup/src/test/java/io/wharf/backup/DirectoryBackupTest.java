package io.wharf.backup;

import io.wharf.backup.target.BackupTarget;
import io.wharf.backup.target.DirectoryTarget;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract against a local directory. */
class DirectoryBackupTest extends BackupContractTest {
    @TempDir
    Path directory;

    @Override
    BackupTarget target() {
        return new DirectoryTarget(directory);
    }

    @Override
    BackupTarget reopenTarget() {
        return new DirectoryTarget(directory);
    }
}
