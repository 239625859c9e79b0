package io.wharf.backup;

import io.wharf.backup.target.S3Credentials;
import io.wharf.backup.target.TargetSpec;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 server for tests: s3proxy over jclouds' in-memory ("transient") blob store, on a free
 * loopback port, with AWS v2/v4 signature checks against one access key pair.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "wharf-test-access";
    public static final String SECRET_KEY = "wharf-test-secret-key-do-not-print";

    private final BlobStoreContext context;
    private final S3Proxy proxy;
    public final URI endpoint;

    private S3ProxyServer(BlobStoreContext context, S3Proxy proxy, URI endpoint) {
        this.context = context;
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    public static S3ProxyServer start() throws Exception {
        Properties properties = new Properties();
        BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials("identity", "credential")
                .overrides(properties).build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                context.close();
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            LockSupport.parkNanos(1_000_000);
        }
        return new S3ProxyServer(context, proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    public void createBucket(String bucket) {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    TargetSpec.S3 spec(String bucket, String prefix) {
        return new TargetSpec.S3(endpoint, bucket, prefix, "us-east-1", S3Credentials.of(ACCESS_KEY, SECRET_KEY), true);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop", e);
        } finally {
            context.close();
        }
    }
}
