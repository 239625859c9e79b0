package io.wharf.metadata.etcd;

import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Txn;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Every request to etcd goes through here: it is bounded by the request timeout, and its
 * outcome is sorted into the three cases a caller has to tell apart.
 *
 * <ul>
 *   <li>An answer: {@link Answer.Done}.
 *   <li>A refusal, etcd's decision about this request (lease not found, request too large,
 *       revision compacted): {@link Answer.Refused}, a value the caller handles or turns into
 *       the user-facing error with {@link Answer#orThrow()}.
 *   <li>No answer (etcd down, unreachable, no leader, connection broken, timed out, store closed): thrown at once
 *       as {@link WharfException} with {@code UNAVAILABLE}, naming the endpoints. For a write
 *       the message says that it may or may not have been applied.
 * </ul>
 *
 * <p>{@link #refusal} is the one table from etcd's gRPC codes to {@link ErrorCode}.
 */
final class EtcdCalls {
    /** Whether a lost answer leaves the store's state in doubt. */
    enum Kind { READ, WRITE }

    /** What etcd answered. */
    sealed interface Answer<T> {
        record Done<T>(T value) implements Answer<T> {}

        /** etcd received the request and turned it down; nothing was written. */
        record Refused<T>(String what, Status.Code code, String reason) implements Answer<T> {}

        /** The value, or the user-facing error for a refusal. */
        default T orThrow() {
            return switch (this) {
                case Done<T> done -> done.value();
                case Refused<T> refused -> throw refusal(refused);
            };
        }
    }

    private final String url;
    private final Duration timeout;
    private volatile boolean closed;

    EtcdCalls(EtcdStoreConfig config) {
        this.url = config.url();
        this.timeout = config.requestTimeout();
    }

    /** Makes every later call fail with {@code UNAVAILABLE} ("closed") without reaching etcd. */
    void close() {
        closed = true;
    }

    /** Fails with {@code UNAVAILABLE} if the store is closed. */
    void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    /**
     * Starts {@code call} and waits at most the request timeout for its answer; on timeout the
     * call is cancelled.
     *
     * @param what what the call does, for messages ("transaction", "lease grant")
     */
    <T> Answer<T> call(String what, Kind kind, Supplier<CompletableFuture<T>> call) {
        ensureOpen();
        CompletableFuture<T> future;
        try {
            future = call.get();
        } catch (RuntimeException e) {
            return failed(what, kind, e);
        }
        try {
            return new Answer.Done<>(future.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            future.cancel(true);
            throw unavailable(what, kind, "etcd did not answer within " + timeout.toMillis() + "ms", e);
        } catch (ExecutionException e) {
            return failed(what, kind, e.getCause());
        } catch (CancellationException e) {
            throw unavailable(what, kind, "the request was cancelled", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw unavailable(what, kind, "interrupted while waiting for etcd", e);
        }
    }

    /** The error for a call that got no answer. */
    private WharfException unavailable(String what, Kind kind, String reason, Throwable cause) {
        if (closed) {
            return closedException();
        }
        String doubt = kind == Kind.WRITE ? "; the write may or may not have been applied" : "";
        return new WharfException(ErrorCode.UNAVAILABLE, "cluster store " + what + " failed: " + reason + doubt,
                "check that etcd is running and reachable at " + url
                        + (kind == Kind.WRITE ? "; read the key again before retrying the write" : "; then retry"),
                cause);
    }

    private <T> Answer<T> failed(String what, Kind kind, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (closed || cause instanceof RejectedExecutionException) {
            throw closedException();
        }
        Status.Code code = codeOf(cause);
        String reason = reasonOf(cause);
        boolean overloaded = code == Status.Code.RESOURCE_EXHAUSTED && !isTooLarge(reason) && !isOutOfSpace(reason);
        boolean noAnswer = switch (code) {
            // INTERNAL is what gRPC reports for a connection that broke mid-call (HTTP/2 errors).
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED, INTERNAL -> true;
            case OK, UNKNOWN, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED,
                 FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED, DATA_LOSS, UNAUTHENTICATED -> overloaded;
        };
        if (noAnswer) {
            throw unavailable(what, kind, reason, cause);
        }
        return new Answer.Refused<>(what, code, reason);
    }

    /** The one table: an etcd refusal as the error a user sees. */
    static WharfException refusal(Answer.Refused<?> refused) {
        String message = "etcd refused the " + refused.what() + ": " + refused.reason();
        return switch (refused.code()) {
            case NOT_FOUND -> new WharfException(ErrorCode.NOT_FOUND, message,
                    "the lease has ended; grant a new lease and write the key again");
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> new WharfException(ErrorCode.INVALID_ARGUMENT,
                    message, "stay within etcd's limits: at most " + Txn.MAX_OPS + " ops and 1.5 MiB per transaction;"
                            + " store large data elsewhere and keep only references in the cluster store");
            case RESOURCE_EXHAUSTED -> isOutOfSpace(refused.reason())
                    ? new WharfException(ErrorCode.NO_SPACE, message,
                            "etcd's database is full: compact and defragment it, or raise its --quota-backend-bytes")
                    : new WharfException(ErrorCode.INVALID_ARGUMENT, message,
                            "the request is larger than etcd accepts; store large data elsewhere");
            case PERMISSION_DENIED, UNAUTHENTICATED -> new WharfException(ErrorCode.PERMISSION_DENIED, message,
                    "Wharf connects to etcd without credentials; disable etcd authentication for Wharf's endpoint");
            case OK, CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, ALREADY_EXISTS, ABORTED, UNIMPLEMENTED, INTERNAL,
                 UNAVAILABLE, DATA_LOSS -> new WharfException(ErrorCode.INTERNAL, message,
                    "unexpected answer from etcd; check the etcd server's version (3.4 or later) and logs");
        };
    }

    private WharfException closedException() {
        return new WharfException(ErrorCode.UNAVAILABLE, "metadata store is closed",
                "the node is shutting down; retry against a running node");
    }

    private static boolean isTooLarge(String reason) {
        return reason.contains("larger than max") || reason.contains("too large");
    }

    private static boolean isOutOfSpace(String reason) {
        return reason.contains("database space exceeded");
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static Status.Code codeOf(Throwable cause) {
        if (cause instanceof EtcdException etcd) {
            return Status.Code.valueOf(etcd.getErrorCode().name());
        }
        return Status.fromThrowable(cause).getCode();
    }

    private static String reasonOf(Throwable cause) {
        if (cause instanceof EtcdException etcd) {
            return String.valueOf(etcd.getMessage());
        }
        Status status = Status.fromThrowable(cause);
        if (status.getCode() == Status.Code.UNKNOWN && status.getDescription() == null) {
            return String.valueOf(cause);
        }
        return status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription());
    }
}
