package io.wharf.backup;

import io.wharf.backup.format.ChunkRef;
import io.wharf.backup.format.GcRun;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.Manifest;
import io.wharf.backup.format.ObjectKind;
import io.wharf.backup.target.BackupTarget.ObjectInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes chunks that no manifest and no in-progress journal names. Order (the package comment
 * argues it): record the run (RUNNING) before listing anything; list chunks; read the journals of
 * in-progress backups; list and read manifests; delete the rest, refreshing the heartbeat, and
 * stopping (ABORTED) before a delete if the last successful heartbeat is older than half of
 * {@link BackupConfig#gcStaleAfter} (so backups, which take a collection as dead after the full
 * period, never proceed while it may still delete); record FINISHED. An unreadable manifest or
 * journal stops the collection before any delete: never delete on a partial view.
 */
final class GarbageCollector {
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
    private static final int DELETE_BATCH = 256;
    private static final Duration KEEP_RECORDS = Duration.ofDays(1);

    private final Repository repository;
    private final BackupConfig config;
    private final String runId;
    private final Instant startedAt;
    private volatile long lastHeartbeatNanos;

    GarbageCollector(Repository repository, BackupConfig config) {
        this.repository = repository;
        this.config = config;
        this.startedAt = repository.clock.now();
        this.runId = BackupRun.newBackupId(startedAt);
    }

    GcResult run(GcOptions options) {
        heartbeat(GcRun.State.RUNNING);
        try {
            GcResult result = collect(options);
            pruneRecords();
            heartbeat(GcRun.State.FINISHED);
            LOG.atInfo().setMessage("garbage collection finished").addKeyValue("runId", runId).addKeyValue("chunks", result.chunks())
                    .addKeyValue("deletedChunks", result.deletedChunks()).addKeyValue("deletedBytes", result.deletedBytes())
                    .addKeyValue("dryRun", options.dryRun()).log();
            return result;
        } catch (RuntimeException e) {
            try {
                repository.write(Layout.gcRun(runId), ObjectKind.GC_RUN,
                        new GcRun(GcRun.FORMAT, runId, GcRun.State.ABORTED, startedAt, repository.clock.now()));
            } catch (RuntimeException recordFailure) {
                e.addSuppressed(recordFailure); // backups take it as dead once its heartbeat is stale
            }
            throw e;
        }
    }

    private GcResult collect(GcOptions options) {
        Map<String, ObjectInfo> chunks = new HashMap<>();
        for (ObjectInfo object : repository.target.list(Layout.CHUNKS)) {
            String id = Layout.chunkIdOf(object.key());
            if (id != null) {
                chunks.put(id, object);
            }
        }
        Set<String> roots = new HashSet<>();
        Set<String> inProgress = repository.inProgressIds();
        for (String backupId : inProgress) {
            roots.addAll(Journal.load(repository, backupId).roots());
        }
        beatIfDue();
        for (String backupId : repository.completeIds()) {
            Optional<Manifest> manifest = repository.manifest(backupId); // METADATA_CORRUPT stops the run
            if (manifest.isPresent()) { // else deleted since the listing
                for (ChunkRef ref : manifest.get().chunks()) {
                    roots.add(ref.id());
                }
            }
            beatIfDue();
        }
        Instant youngerThan = repository.clock.now().minus(options.minChunkAge());
        List<ObjectInfo> garbage = new ArrayList<>();
        long young = 0;
        long referenced = 0;
        for (Map.Entry<String, ObjectInfo> chunk : chunks.entrySet()) {
            if (roots.contains(chunk.getKey())) {
                referenced++;
            } else if (chunk.getValue().lastModified().isAfter(youngerThan)) {
                young++;
            } else {
                garbage.add(chunk.getValue());
            }
        }
        long deletedBytes = 0;
        for (ObjectInfo object : garbage) {
            deletedBytes += object.sizeBytes();
        }
        if (!options.dryRun()) {
            delete(garbage);
        }
        return new GcResult(runId, chunks.size(), referenced, garbage.size(), deletedBytes, young, inProgress.size());
    }

    private void delete(List<ObjectInfo> garbage) {
        Semaphore permits = new Semaphore(config.concurrency());
        try (ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int start = 0; start < garbage.size(); start += DELETE_BATCH) {
                beatIfDue();
                checkLease();
                List<Future<?>> batch = new ArrayList<>();
                for (ObjectInfo object : garbage.subList(start, Math.min(garbage.size(), start + DELETE_BATCH))) {
                    batch.add(io.submit(() -> {
                        permits.acquire();
                        try {
                            checkLease();
                            repository.target.delete(object.key());
                        } finally {
                            permits.release();
                        }
                        return null;
                    }));
                }
                for (Future<?> future : batch) {
                    try {
                        future.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BackupException(BackupError.INTERRUPTED, "garbage collection " + runId + " was interrupted",
                                "run it again; what it deleted was garbage", e);
                    }
                }
            }
        }
    }

    private void pruneRecords() {
        Instant before = repository.clock.now().minus(KEEP_RECORDS);
        for (GcRun run : repository.gcRuns()) {
            if (!run.runId().equals(runId) && run.state() != GcRun.State.RUNNING && run.heartbeatAt().isBefore(before)) {
                repository.target.delete(Layout.gcRun(run.runId()));
            }
        }
    }

    private void beatIfDue() {
        if (repository.clock.nanoTime() - lastHeartbeatNanos >= config.gcHeartbeat().toNanos()) {
            heartbeat(GcRun.State.RUNNING);
        }
    }

    /** Writes the record; the lease counts from before the write started. */
    private void heartbeat(GcRun.State state) {
        long beforeNanos = repository.clock.nanoTime();
        repository.write(Layout.gcRun(runId), ObjectKind.GC_RUN, new GcRun(GcRun.FORMAT, runId, state, startedAt, repository.clock.now()));
        lastHeartbeatNanos = beforeNanos;
    }

    private void checkLease() {
        long sinceNanos = repository.clock.nanoTime() - lastHeartbeatNanos;
        if (sinceNanos > config.gcStaleAfter().toNanos() / 2) {
            throw new BackupException(BackupError.GC_BUSY, "garbage collection " + runId + " stopped: its last heartbeat is "
                    + Duration.ofNanos(sinceNanos).toSeconds() + " s old, so backups may take it for dead",
                    "run it again; the target is slow or this process was paused");
        }
    }
}
