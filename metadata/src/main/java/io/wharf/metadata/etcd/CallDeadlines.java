package io.wharf.metadata.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every gRPC call to etcd a deadline, except watch streams, which live as long as their
 * watch. jetcd sends with gRPC's "wait for ready": a call to an unreachable etcd waits for a
 * connection. Without a deadline it would stay pending after the caller's own timeout gave up
 * on it; with one, it ends by itself and frees its stream. (The caller's timeout still applies:
 * jetcd may retry a read within it.)
 */
final class CallDeadlines implements ClientInterceptor {
    private static final String WATCH_SERVICE = "etcdserverpb.Watch";

    private final long timeoutNanos;

    CallDeadlines(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        boolean watch = WATCH_SERVICE.equals(method.getServiceName());
        CallOptions bounded = watch || options.getDeadline() != null
                ? options
                : options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
        return next.newCall(method, bounded);
    }
}
