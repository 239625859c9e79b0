package io.wharf.backup;

import io.wharf.backup.target.BackupTarget;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The contract against a real S3 server (s3proxy in this JVM), a new bucket per test, under a prefix. */
class S3BackupTest extends BackupContractTest {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3ProxyServer server;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void createBucket() {
        bucket = "wharf-test-" + BUCKETS.incrementAndGet();
        server.createBucket(bucket);
    }

    @Override
    BackupTarget target() {
        return server.spec(bucket, "cluster-a/backups").open();
    }

    @Override
    BackupTarget reopenTarget() {
        return target();
    }
}
