package io.wharf.metadata.embedded;

import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.ClusterStoreContract;
import io.wharf.metadata.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The {@link ClusterStoreContract} against the embedded store, with time on a manual clock. */
class EmbeddedStoreTest extends ClusterStoreContract {
    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();
    private EmbeddedStore embedded;

    @Override
    protected ClusterStore openStore() {
        embedded = EmbeddedStore.open(EmbeddedStoreConfig.defaults(directory), clock);
        return embedded;
    }

    @Override
    protected void advanceTime(Duration duration) {
        clock.advance(duration);
        embedded.expireLeases();
    }
}
