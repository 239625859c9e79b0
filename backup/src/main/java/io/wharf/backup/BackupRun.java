package io.wharf.backup;

import io.wharf.backup.ProgressListener.Phase;
import io.wharf.backup.format.ChunkRef;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.Manifest;
import io.wharf.backup.format.Marker;
import io.wharf.backup.format.ObjectKind;
import io.wharf.backup.format.Plan;
import io.wharf.backup.format.Summary;
import io.wharf.backup.target.BackupTarget.ObjectInfo;
import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of {@link BackupEngine#create}: a new backup, or the resumption of an interrupted one.
 *
 * <p>Steps (the package comment argues why they are safe against crashes and garbage collection):
 * marker; wait for running collections; load or make the plan (journal segment 0, which also records
 * the chunks copied from the base); then, window by window: read and hash the chunks (the next
 * window is read while the current one uploads), reserve their ids in the journal, wait for running
 * collections, then per distinct id: present in the target, or compress, encrypt and put; record
 * them done. Finally the summary, the manifest (the commit point), and the journal and marker go.
 */
final class BackupRun {
    private static final Logger LOG = LoggerFactory.getLogger(BackupRun.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final byte[] ZEROS = new byte[64 * 1024];

    private final Repository repository;
    private final BackupConfig config;
    private final Bandwidth bandwidth;
    private final BackupRequest request;
    private final ProgressListener listener;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    // ids of chunks this backup has finished (so in the target), with their stored size
    private final Map<String, Integer> known = new HashMap<>();
    private ProgressTracker tracker;

    BackupRun(Repository repository, BackupConfig config, Bandwidth bandwidth, BackupRequest request, ProgressListener listener) {
        this.repository = repository;
        this.config = config;
        this.bandwidth = bandwidth;
        this.request = request;
        this.listener = listener;
    }

    BackupInfo run() {
        String volume = Names.requireValid("volume", request.volume());
        String backupId = request.backupId() == null ? newBackupId() : Names.requireValid("backup", request.backupId());
        if (request.source().sizeBytes() <= 0) {
            throw new WharfException(ErrorCode.INVALID_SIZE, "the image of volume " + volume + " has no bytes", "back up a volume with data");
        }
        Optional<BackupInfo> existing = repository.complete(backupId);
        if (existing.isPresent()) {
            return alreadyComplete(existing.get(), volume);
        }
        Marker marker = repository.marker(backupId).orElse(null);
        if (marker != null && !marker.volume().equals(volume)) {
            throw idTaken(backupId, marker.volume());
        }
        if (marker == null) {
            marker = new Marker(Marker.FORMAT, backupId, volume, repository.clock.now(), request.labels(), request.forceFull(),
                    request.baseBackupId());
            repository.write(Layout.marker(backupId), ObjectKind.MARKER, marker);
        }
        tracker = new ProgressTracker(backupId, listener, Phase.UPLOADING, 0, 0);
        GcGate gate = new GcGate(repository, config, runId -> tracker.phase(Phase.WAITING_FOR_GC));
        Set<String> runsAtStart = gate.awaitNoRunningCollection();
        Journal journal = Journal.load(repository, backupId);
        Plan plan = journal.plan();
        boolean resumed = plan != null;
        if (plan == null) {
            plan = plan(marker, runsAtStart, journal);
        } else if (plan.sizeBytes() != request.source().sizeBytes()) {
            throw new BackupException(BackupError.SOURCE_MISMATCH, "backup " + backupId + " of volume " + volume + " started on an image of "
                    + plan.sizeBytes() + " bytes; the source given now has " + request.source().sizeBytes(),
                    "resume it with the same snapshot, or delete it and start a new backup");
        }
        LOG.atInfo().setMessage(resumed ? "backup resumed" : "backup started").addKeyValue("backupId", backupId)
                .addKeyValue("volume", volume).addKeyValue("full", plan.full()).addKeyValue("base", plan.baseBackupId())
                .addKeyValue("target", repository.target.describe()).log();
        for (ChunkRef ref : journal.done().values()) {
            known.put(ref.id(), ref.storedBytes());
        }
        List<Long> work = work(plan, journal, gate);
        process(backupId, plan, journal, gate, work);
        return commit(backupId, marker, plan, journal);
    }

    private BackupInfo alreadyComplete(BackupInfo info, String volume) {
        if (!info.volume().equals(volume)) {
            throw idTaken(info.backupId(), info.volume());
        }
        // a crash after the manifest may have left the journal and marker behind
        Journal.load(repository, info.backupId()).deleteAll();
        repository.target.delete(Layout.marker(info.backupId()));
        listener.progress(new ProgressListener.Progress(info.backupId(), Phase.DONE, info.dataBytes(), info.dataBytes()));
        return info;
    }

    /** Decides full or incremental and what to read; writes journal segment 0 with the copied chunks reserved. */
    private Plan plan(Marker marker, Set<String> runsAtStart, Journal journal) {
        long size = request.source().sizeBytes();
        BackupInfo base = marker.forceFull() ? null : base(marker.volume(), marker.requestedBase());
        int chunkSize = base != null ? base.chunkSizeBytes() : config.chunkSizeBytes();
        boolean full = base == null || base.chainPosition() + 1 >= config.fullEvery();
        List<Long> chunks = null;
        List<ChunkRef> copied = List.of();
        if (!full) {
            Optional<List<ByteRange>> changes;
            try {
                changes = request.source().changedSince(base);
            } catch (IOException e) {
                throw new BackupException(BackupError.SOURCE_IO, "asking the volume source of " + marker.volume() + " for changes since backup "
                        + base.backupId() + " failed: " + e.getMessage(), "check the volume and its snapshots", e);
            }
            Optional<Manifest> baseManifest = repository.manifest(base.backupId());
            if (changes.isEmpty() || baseManifest.isEmpty()) {
                full = true; // no change tracking, or the base was deleted meanwhile: read everything
            } else {
                TreeSet<Long> changed = changedChunks(changes.get(), size, base.sizeBytes(), chunkSize);
                long count = chunkCount(size, chunkSize);
                copied = baseManifest.get().chunks().stream()
                        .filter(ref -> ref.index() < count && !changed.contains(ref.index())).toList();
                chunks = List.copyOf(changed);
            }
        }
        Plan plan = new Plan(size, chunkSize, full ? null : base.backupId(), full, full ? 0 : base.chainPosition() + 1,
                chunks, new TreeSet<>(runsAtStart).stream().toList(), repository.clock.now());
        List<String> reserve = new ArrayList<>();
        for (ChunkRef ref : copied) {
            journal.recordDone(ref, 0, 0, 0);
            reserve.add(ref.id());
        }
        journal.append(plan, reserve);
        return plan;
    }

    private BackupInfo base(String volume, String requested) {
        if (requested != null) {
            BackupInfo base = repository.complete(requested).orElseThrow(() -> new BackupException(BackupError.BACKUP_NOT_FOUND,
                    "base backup " + requested + " does not exist in " + repository.target.describe(),
                    "list the volume's backups and pick one, or give no base"));
            if (!base.volume().equals(volume)) {
                throw new BackupException(BackupError.BACKUP_NOT_FOUND, "base backup " + requested + " is of volume " + base.volume()
                        + ", not " + volume, "give a backup of the same volume as base");
            }
            return base;
        }
        BackupInfo latest = null;
        for (BackupInfo info : repository.backups()) {
            if (info.volume().equals(volume)) {
                latest = info; // oldest first
            }
        }
        return latest;
    }

    static TreeSet<Long> changedChunks(List<ByteRange> ranges, long size, long baseSize, int chunkSize) {
        TreeSet<Long> changed = new TreeSet<>();
        for (ByteRange range : ranges) {
            long end = Math.min(range.end(), size);
            for (long index = range.offset() / chunkSize; range.offset() < end && index <= (end - 1) / chunkSize; index++) {
                changed.add(index);
            }
        }
        if (size != baseSize) { // the old last (partial) chunk and everything the volume grew by
            for (long index = Math.min(size, baseSize) / chunkSize; index < chunkCount(size, chunkSize); index++) {
                changed.add(index);
            }
        }
        return changed;
    }

    /**
     * The chunks still to read. When a collection ran since the backup started, the chunks recorded
     * done (copied from the base, or finished by an earlier run) are checked in the target first, and
     * missing ones read again.
     */
    private List<Long> work(Plan plan, Journal journal, GcGate gate) {
        Set<String> runsNow = gate.awaitNoRunningCollection();
        tracker.phase(Phase.UPLOADING);
        List<Long> work = new ArrayList<>();
        if (!plan.gcRunsAtStart().containsAll(runsNow)) {
            List<ChunkRef> done = List.copyOf(journal.done().values());
            List<Callable<Boolean>> checks = new ArrayList<>();
            for (ChunkRef ref : done) {
                checks.add(() -> repository.target.exists(Layout.chunk(ref.id())));
            }
            List<Boolean> present;
            try (ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
                present = parallel(io, checks);
            }
            for (int i = 0; i < done.size(); i++) {
                if (!present.get(i)) {
                    journal.forget(done.get(i).index());
                    known.remove(done.get(i).id());
                    work.add(done.get(i).index());
                }
            }
            LOG.atInfo().setMessage("checked chunks recorded done after a garbage collection").addKeyValue("chunks", done.size())
                    .addKeyValue("missing", work.size()).log();
        }
        if (plan.chunks() == null) {
            for (long index = 0; index < chunkCount(plan.sizeBytes(), plan.chunkSizeBytes()); index++) {
                if (!journal.isDone(index)) {
                    work.add(index);
                }
            }
        } else {
            for (long index : plan.chunks()) {
                if (!journal.isDone(index)) {
                    work.add(index);
                }
            }
        }
        work = new ArrayList<>(new TreeSet<>(work));
        long planned = plan.chunks() == null ? plan.sizeBytes() : bytesOf(plan.chunks(), plan);
        long remaining = bytesOf(work, plan);
        tracker.total(Math.max(planned, remaining), Math.max(0, planned - remaining));
        return work;
    }

    private void process(String backupId, Plan plan, Journal journal, GcGate gate, List<Long> work) {
        int window = Math.max(2, 2 * config.concurrency());
        int readers = Math.max(1, Math.min(config.concurrency(), Runtime.getRuntime().availableProcessors()));
        try (ExecutorService readPool = Executors.newFixedThreadPool(readers, Thread.ofPlatform().daemon().name("backup-read-", 0).factory());
             ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Read>> next = readWindow(readPool, plan, work, 0, window);
            try {
                for (int start = 0; start < work.size(); start += window) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw interrupted(backupId, null);
                    }
                    List<Read> reads = collect(next);
                    next = readWindow(readPool, plan, work, start + window, window);
                    commitWindow(journal, gate, io, reads);
                }
            } finally {
                cancelled.set(true); // reads of the next window stop; the pools' close waits for running ones
            }
        }
    }

    private List<Future<Read>> readWindow(ExecutorService pool, Plan plan, List<Long> work, int start, int window) {
        List<Future<Read>> futures = new ArrayList<>();
        for (int i = start; i < Math.min(work.size(), start + window); i++) {
            long index = work.get(i);
            futures.add(pool.submit(() -> read(plan, index)));
        }
        return futures;
    }

    /** A chunk as read: {@code id} null when it is all zero. */
    private record Read(long index, int length, byte[] data, String id) {}

    private Read read(Plan plan, long index) {
        if (cancelled.get()) {
            return null;
        }
        int length = chunkLength(index, plan);
        byte[] data = new byte[length];
        long offset = index * plan.chunkSizeBytes();
        ByteBuffer buffer = ByteBuffer.wrap(data);
        try {
            request.source().read(offset, buffer);
        } catch (IOException e) {
            throw new BackupException(BackupError.SOURCE_IO, "reading volume " + request.volume() + " at offset " + offset + " failed: "
                    + e.getMessage(), "check the volume's health; the backup resumes with the same id", e);
        }
        if (buffer.hasRemaining()) {
            throw new IllegalStateException("volume source left " + buffer.remaining() + " bytes unread at offset " + offset);
        }
        if (allZero(data)) {
            return new Read(index, length, null, null);
        }
        return new Read(index, length, data, repository.keys().chunkId(data, 0, length));
    }

    /** What happened to one distinct chunk id of a window. */
    private record Outcome(int storedBytes, boolean uploaded) {}

    private void commitWindow(Journal journal, GcGate gate, ExecutorService io, List<Read> reads) {
        LinkedHashMap<String, Read> unknown = new LinkedHashMap<>();
        for (Read read : reads) {
            if (read.id() == null) {
                journal.recordZero(read.index(), read.length());
                tracker.add(read.length());
            } else if (!known.containsKey(read.id())) {
                unknown.putIfAbsent(read.id(), read);
            }
        }
        // reserve before relying on anything in the target, then make sure no collection is running
        journal.append(null, unknown.keySet());
        gate.awaitNoRunningCollection();
        tracker.phase(Phase.UPLOADING);
        List<Callable<Outcome>> tasks = new ArrayList<>();
        for (Read read : unknown.values()) {
            tasks.add(() -> store(read));
        }
        List<Outcome> outcomes = parallel(io, tasks);
        Map<String, Outcome> byId = new HashMap<>();
        int i = 0;
        for (String id : unknown.keySet()) {
            byId.put(id, outcomes.get(i++));
        }
        for (Read read : reads) {
            if (read.id() == null) {
                continue;
            }
            Outcome outcome = byId.remove(read.id()); // the first read of an id carries its upload
            int stored = outcome != null ? outcome.storedBytes() : known.get(read.id());
            boolean uploaded = outcome != null && outcome.uploaded();
            journal.recordDone(new ChunkRef(read.index(), read.id(), stored), read.length(), uploaded ? read.length() : 0,
                    uploaded ? stored : 0);
            known.put(read.id(), stored);
            tracker.add(read.length());
        }
    }

    private Outcome store(Read read) throws InterruptedException {
        String key = Layout.chunk(read.id());
        Optional<ObjectInfo> present = repository.target.stat(key);
        if (present.isPresent()) {
            return new Outcome((int) present.get().sizeBytes(), false);
        }
        byte[] stored = repository.envelope.encode(ObjectKind.CHUNK, key, read.data(), 0, read.length());
        bandwidth.acquire(stored.length);
        repository.target.put(key, stored);
        return new Outcome(stored.length, true);
    }

    private BackupInfo commit(String backupId, Marker marker, Plan plan, Journal journal) {
        tracker.phase(Phase.COMMITTING);
        long count = chunkCount(plan.sizeBytes(), plan.chunkSizeBytes());
        List<ChunkRef> refs = new ArrayList<>();
        long dataBytes = 0;
        long storedBytes = 0;
        for (ChunkRef ref : journal.done().values()) {
            if (ref.index() < count) {
                refs.add(ref);
                dataBytes += chunkLength(ref.index(), plan);
                storedBytes += ref.storedBytes();
            }
        }
        BackupInfo info = new BackupInfo(backupId, marker.volume(), plan.sizeBytes(), plan.chunkSizeBytes(), plan.baseBackupId(),
                plan.full(), plan.chainPosition(), marker.createdAt(), repository.clock.now(), marker.labels(),
                repository.keys().encrypted(), dataBytes, refs.size(), journal.scannedBytes(), journal.newBytes(),
                journal.uploadedBytes(), journal.uploadedChunks(), storedBytes);
        repository.write(Layout.summary(backupId), ObjectKind.SUMMARY, new Summary(Summary.FORMAT, info));
        repository.write(Layout.manifest(backupId), ObjectKind.MANIFEST, new Manifest(Manifest.FORMAT, info, refs)); // commit point
        journal.deleteAll();
        repository.target.delete(Layout.marker(backupId));
        tracker.phase(Phase.DONE);
        LOG.atInfo().setMessage("backup complete").addKeyValue("backupId", backupId).addKeyValue("volume", marker.volume())
                .addKeyValue("full", plan.full()).addKeyValue("chunks", refs.size()).addKeyValue("scannedBytes", info.scannedBytes())
                .addKeyValue("uploadedBytes", info.uploadedBytes()).addKeyValue("uploadedChunks", info.uploadedChunks()).log();
        return info;
    }

    /** Runs the tasks, at most {@code concurrency} at once; waits for all; rethrows the first failure. */
    private <T> List<T> parallel(ExecutorService io, List<Callable<T>> tasks) {
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(config.concurrency());
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(io.submit(() -> {
                permits.acquire();
                try {
                    return task.call();
                } finally {
                    permits.release();
                }
            }));
        }
        return collect(futures);
    }

    private <T> List<T> collect(List<Future<T>> futures) {
        List<T> results = new ArrayList<>();
        RuntimeException failure = null;
        boolean interrupted = false;
        for (Future<T> future : futures) {
            while (true) {
                try {
                    results.add(future.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // finish waiting: no task may outlive this call
                    cancelled.set(true);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException runtime ? runtime
                                : e.getCause() instanceof InterruptedException ? interrupted(null, e.getCause())
                                : new IllegalStateException(e.getCause());
                    }
                    results.add(null);
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw failure != null ? failure : interrupted(null, null);
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    private BackupException interrupted(String backupId, Throwable cause) {
        return new BackupException(BackupError.INTERRUPTED, "backup " + (backupId == null ? "of " + request.volume() : backupId)
                + " was interrupted", "run it again with the same backup id to resume it", cause);
    }

    private static BackupException idTaken(String backupId, String otherVolume) {
        return new BackupException(BackupError.BACKUP_ID_TAKEN, "backup id " + backupId + " is taken by a backup of volume " + otherVolume,
                "give another id, or none to let Wharf pick one");
    }

    static String newBackupId(java.time.Instant now) {
        return ID_TIME.format(now) + "-" + String.format("%08x", ThreadLocalRandom.current().nextInt());
    }

    private String newBackupId() {
        return newBackupId(repository.clock.now());
    }

    static long chunkCount(long size, int chunkSize) {
        return (size + chunkSize - 1) / chunkSize;
    }

    private static int chunkLength(long index, Plan plan) {
        return (int) Math.min(plan.chunkSizeBytes(), plan.sizeBytes() - index * plan.chunkSizeBytes());
    }

    private static long bytesOf(List<Long> indexes, Plan plan) {
        long bytes = 0;
        for (long index : indexes) {
            bytes += chunkLength(index, plan);
        }
        return bytes;
    }

    static boolean allZero(byte[] data) {
        for (int offset = 0; offset < data.length; offset += ZEROS.length) {
            int length = Math.min(ZEROS.length, data.length - offset);
            if (Arrays.mismatch(data, offset, offset + length, ZEROS, 0, length) >= 0) {
                return false;
            }
        }
        return true;
    }
}
