package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.node.transport.AsyncVolume;
import io.wharf.storage.ExtentSink;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.target.ReplicatedVolume;
import io.wharf.replication.sync.target.VolumeStatus;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A synchronously replicated volume as this node serves it: the {@link ReplicatedVolume} target
 * (which lives on the replication loop) as an {@link AsyncVolume}, so the NBD server serves it as it
 * serves any volume. Every call hops onto the loop; completions come back on the loop and run the
 * NBD reply there (a read copies the data into the client's buffer first). Requests over 1 MiB are
 * split into parts in flight together.
 *
 * <p>Failures come out as a local volume's: {@link IllegalArgumentException} for a range the
 * target refuses, {@link WharfException} with the core's code (VOLUME_FENCED once a newer attach
 * took the volume over, UNAVAILABLE when no replica in sync is left), which the NBD server reports
 * as EIO.
 */
public final class TargetVolume implements AsyncVolume {
    /** How long a synchronous call waits before it reports the target as stuck (the core bounds every wait itself). */
    private static final long SYNC_WAIT_SECONDS = 120;

    private final ReplicatedVolume target;
    private final Scheduler loop;
    private final String id;
    /** The size clients see: the target's, read again when a growth completes. */
    private volatile long sizeBytes;
    private final LocalReads local;

    TargetVolume(ReplicatedVolume target, Scheduler loop, LocalReads local) {
        this.target = target;
        this.loop = loop;
        this.local = local;
        this.id = target.volumeId();
        this.sizeBytes = target.sizeBytes();
    }

    /** The target's state (phase, epoch, each replica's state and copy progress), read on the loop. */
    public CompletableFuture<VolumeStatus> status() {
        CompletableFuture<VolumeStatus> status = new CompletableFuture<>();
        loop.execute(() -> status.complete(target.status()));
        return status;
    }

    /** Whether the target still serves I/O (not fenced, failed or detached), read on the loop. */
    public CompletableFuture<Boolean> serving() {
        return status().thenApply(status -> status.phase() == ReplicatedVolume.Phase.SERVING);
    }

    /** Flushes and stops serving; later calls fail. Completes when done (or at once when it no longer served). */
    public CompletableFuture<Void> detach() {
        CompletableFuture<Void> detached = new CompletableFuture<>();
        local.stop();
        loop.execute(() -> target.detach(outcome -> detached.complete(null)));
        return detached;
    }

    /** Adds a replica on {@code nodeId} (rebuilt online) or removes one. */
    public CompletableFuture<Void> changeReplica(String nodeId, boolean add) {
        CompletableFuture<Void> changed = new CompletableFuture<>();
        loop.execute(() -> {
            Completion<Void> done = outcome -> {
                Exception failure = failure(outcome);
                if (failure == null) {
                    changed.complete(null);
                } else {
                    changed.completeExceptionally(failure);
                }
            };
            if (add) {
                target.addReplica(nodeId, done);
            } else {
                target.removeReplica(nodeId, done);
            }
        });
        return changed;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void readAsync(long offset, ByteBuffer dst, Done done) {
        if (offset >= 0 && dst.remaining() <= sizeBytes - offset && local.read(offset, dst)) {
            done.done(null);
            return;
        }
        int length = dst.remaining();
        int base = dst.position();
        inParts(offset, length, done, (partOffset, at, partLength, partDone) -> target.read(partOffset, partLength, outcome -> {
            if (outcome instanceof Outcome.Ok<ByteBuffer>(ByteBuffer data)) {
                dst.put(base + at, data, data.position(), partLength);
            }
            partDone.complete(outcome);
        }));
    }

    @Override
    public void writeAsync(long offset, ByteBuffer src, boolean fua, Done done) {
        int length = src.remaining();
        int base = src.position();
        inParts(offset, length, done, (partOffset, at, partLength, partDone) ->
                target.write(partOffset, src.slice(base + at, partLength), fua, partDone::complete));
    }

    @Override
    public void flushAsync(Done done) {
        loop.execute(() -> target.flush(outcome -> done.done(failure(outcome))));
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        await(finished -> readAsync(offset, dst, finished));
        dst.position(dst.position() + length);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        int length = src.remaining();
        await(finished -> writeAsync(offset, src, false, finished));
        src.position(src.position() + length);
    }

    @Override
    public void flush() throws IOException {
        await(this::flushAsync);
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        await(finished -> loop.execute(() -> target.trim(offset, length, false, outcome -> finished.done(failure(outcome)))));
    }

    /** Replicas read a trimmed range as zeros, which is what a zero write promises. */
    @Override
    public void writeZeroes(long offset, long length, boolean mayPunchHole) throws IOException {
        trim(offset, length);
    }

    /** The target does not track allocation: the whole range is reported as data, which is always correct. */
    @Override
    public void extents(long offset, long length, ExtentSink sink) {
        if (length > 0) {
            sink.extent(length, true);
        }
    }

    /**
     * Grows the volume on every replica in sync ({@link ReplicatedVolume#grow}); clients see the new
     * size once it completes. A replica away meanwhile grows when it is resynced.
     */
    public CompletableFuture<Void> grow(long newSizeBytes) {
        CompletableFuture<Void> grown = new CompletableFuture<>();
        loop.execute(() -> target.grow(newSizeBytes, outcome -> {
            Exception failure = failure(outcome);
            if (failure == null) {
                sizeBytes = target.sizeBytes();
                grown.complete(null);
            } else {
                grown.completeExceptionally(failure);
            }
        }));
        return grown;
    }

    /**
     * Takes a snapshot under {@code snapshotId} on every replica in sync ({@link ReplicatedVolume#snapshot});
     * completes with the nodes that took it.
     */
    public CompletableFuture<java.util.List<String>> snapshot(String snapshotId) {
        CompletableFuture<java.util.List<String>> taken = new CompletableFuture<>();
        loop.execute(() -> target.snapshot(snapshotId, outcome -> {
            if (outcome instanceof Outcome.Ok<java.util.List<String>>(java.util.List<String> holders)) {
                taken.complete(holders);
            } else {
                taken.completeExceptionally(failure(outcome));
            }
        }));
        return taken;
    }

    /** Reverts the volume to snapshot {@code snapshotId}, held by the copies on {@code holders} ({@link ReplicatedVolume#revert}). */
    public CompletableFuture<Void> revert(String snapshotId, java.util.List<String> holders) {
        CompletableFuture<Void> reverted = new CompletableFuture<>();
        loop.execute(() -> target.revert(snapshotId, holders, outcome -> {
            Exception failure = failure(outcome);
            if (failure == null) {
                reverted.complete(null);
            } else {
                reverted.completeExceptionally(failure);
            }
        }));
        return reverted;
    }

    @Override
    public void resize(long newSizeBytes) throws IOException {
        await(finished -> grow(newSizeBytes).whenComplete((ok, failure) ->
                finished.done(failure == null ? null : failure instanceof Exception e ? e : new IOException(failure))));
    }

    /** Pool space is counted on the replicas' nodes. */
    @Override
    public long allocatedBytes() {
        return 0;
    }

    @FunctionalInterface
    private interface Part {
        void start(long partOffset, int at, int partLength, PartDone partDone);
    }

    @FunctionalInterface
    private interface PartDone {
        void complete(Outcome<?> outcome);
    }

    /** Runs {@code part} on the loop for each piece of at most 1 MiB; {@code done} after the last, with the first failure. */
    private void inParts(long offset, int length, Done done, Part part) {
        int max = ReplicatedVolume.MAX_IO_BYTES;
        int parts = Math.max(1, (length + max - 1) / max);
        AtomicInteger left = new AtomicInteger(parts);
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        loop.execute(() -> {
            for (int i = 0; i < parts; i++) {
                int at = i * max;
                int partLength = Math.min(max, length - at);
                part.start(offset + at, at, partLength, outcome -> {
                    Exception failure = failure(outcome);
                    if (failure != null) {
                        firstFailure.compareAndSet(null, failure);
                    }
                    if (left.decrementAndGet() == 0) {
                        done.done(firstFailure.get());
                    }
                });
            }
        });
    }

    private static Exception failure(Outcome<?> outcome) {
        return switch (outcome) {
            case Outcome.Ok<?> _ -> null;
            case Outcome.StaleEpoch<?> stale -> new WharfException(ErrorCode.VOLUME_FENCED,
                    "the volume was attached elsewhere (epoch " + stale.epoch() + "); this node no longer serves it",
                    "connect to the node it is attached to: wharf volume inspect");
            case Outcome.Failed<?> failed -> failed.code() == ErrorCode.INVALID_ARGUMENT
                    ? new IllegalArgumentException(failed.message())
                    : new WharfException(failed.code(), failed.message(), "see wharf volume inspect and the node's log");
        };
    }

    @FunctionalInterface
    private interface AsyncCall {
        void start(Done done);
    }

    private static void await(AsyncCall call) throws IOException {
        CompletableFuture<Exception> finished = new CompletableFuture<>();
        call.start(finished::complete);
        Exception failure;
        try {
            failure = finished.get(SYNC_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the replicated volume");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the replicated volume did not answer within " + SYNC_WAIT_SECONDS + " s", e);
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
        }
    }
}
