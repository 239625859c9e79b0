package io.wharf.metadata.embedded;

import io.wharf.core.Clock;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.Compare;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Listing;
import io.wharf.metadata.Op;
import io.wharf.metadata.OpResult;
import io.wharf.metadata.Txn;
import io.wharf.metadata.TxnResult;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import io.wharf.metadata.WatchListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node {@link ClusterStore} behind {@code wharf up}: the key space in memory, made
 * durable by a write-ahead log and snapshots in one directory.
 *
 * <p>Write path: callers queue commands (bounded); one commit thread takes a batch, applies
 * each command to the key space under the write lock, appends one log record per changing
 * transaction, forces the log once for the batch (group commit), appends the events to the
 * watch history, and only then releases the lock and answers the callers. Readers take the
 * read lock, so nobody ever sees a write that is not yet durable. A failed write or fsync is
 * not retried: the store stops and answers {@code IO_ERROR} until the node restarts and
 * recovers from the log.
 *
 * <p>When the log segment outgrows {@link EmbeddedStoreConfig#snapshotLogBytes()}, a snapshot
 * thread copies the key space, rolls the log and writes the snapshot; segments it covers are
 * then deleted.
 */
public final class EmbeddedStore implements ClusterStore {
    /** etcd's default {@code --max-request-bytes}: a transaction etcd would refuse is refused here too. */
    public static final int MAX_TXN_BYTES = 1536 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStore.class);
    private static final int QUEUE_CAPACITY = 1024;
    private static final int MAX_BATCH = 256;
    /** A batch's frame is cut (written and forced) once it holds this much. */
    private static final long FRAME_FLUSH_BYTES = 16L * 1024 * 1024;

    private enum State { OPEN, CLOSED, FAILED }

    private sealed interface Command {
        record Transact(Txn txn, CompletableFuture<TxnResult> done) implements Command {}

        record Revoke(long leaseId, CompletableFuture<Boolean> done) implements Command {}

        record Stop() implements Command {}
    }

    private final EmbeddedStoreConfig config;
    private final DirectoryLock lock;
    private final WriteAheadLog log;
    private final KeySpace keys;
    private final EventHistory history;
    private final LeaseTable leases;
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock();
    private final ArrayBlockingQueue<Command> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Semaphore snapshotPermit = new Semaphore(1);
    private final Thread committer;
    private final ScheduledExecutorService leaseTicker;
    private final ExecutorService snapshotWriter;
    private final Object lifecycle = new Object();
    private boolean closed;
    private volatile State state = State.OPEN;
    private volatile Throwable failure;

    private EmbeddedStore(EmbeddedStoreConfig config, Clock clock, DirectoryLock lock, WriteAheadLog log,
                          KeySpace keys, EventHistory history) {
        this.config = config;
        this.lock = lock;
        this.log = log;
        this.keys = keys;
        this.history = history;
        this.leases = new LeaseTable(clock);
        this.committer = Thread.ofPlatform().name("wharf-metadata-commit").daemon().unstarted(this::runCommitter);
        this.leaseTicker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("wharf-metadata-leases").daemon().factory());
        this.snapshotWriter = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("wharf-metadata-snapshot").daemon().factory());
    }

    /** Opens the store in {@code directory} with {@linkplain EmbeddedStoreConfig#defaults default settings}. */
    public static EmbeddedStore open(Path directory, Clock clock) {
        return open(EmbeddedStoreConfig.defaults(directory), clock);
    }

    /**
     * Opens the store in {@code config.directory()}, recovering every acknowledged write. Keys
     * attached to leases from before the open are deleted, as their leases cannot have survived.
     *
     * @throws WharfException {@code DATA_DIR_LOCKED} if another store has the directory open,
     *                        {@code DATA_DIR_INVALID} if its contents are corrupt, {@code IO_ERROR}
     */
    public static EmbeddedStore open(EmbeddedStoreConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        Path directory = config.directory();
        DirectoryLock lock;
        try {
            Files.createDirectories(directory);
            lock = DirectoryLock.acquire(directory);
        } catch (IOException e) {
            throw new WharfException(ErrorCode.IO_ERROR, "cannot open metadata directory " + directory + ": " + e,
                    "check that the data directory exists and is writable by this user", e);
        }
        WriteAheadLog log = null;
        try {
            SnapshotFile.deleteTemp(directory);
            Optional<SnapshotFile.Contents> snapshot = SnapshotFile.read(directory);
            KeySpace keys = snapshot.map(s -> KeySpace.restore(s.revision(), s.entries())).orElseGet(KeySpace::new);
            long snapshotRevision = keys.revision();
            EventHistory history = new EventHistory(config.historyRevisions(), snapshotRevision);
            WriteAheadLog.Opened opened = WriteAheadLog.open(directory, snapshotRevision,
                    record -> history.append(new EventHistory.Revision(record.revision(), keys.apply(record))));
            log = opened.log();
            LOG.atInfo().setMessage("metadata store opened").addKeyValue("directory", directory)
                    .addKeyValue("revision", opened.lastRevision()).addKeyValue("snapshotRevision", snapshotRevision)
                    .addKeyValue("replayedRecords", opened.replayedRecords())
                    .addKeyValue("truncatedBytes", opened.truncatedBytes()).log();
            EmbeddedStore store = new EmbeddedStore(config, clock, lock, log, keys, history);
            store.deleteKeysOfEndedLeases();
            store.start();
            return store;
        } catch (IOException e) {
            closeQuietly(log, lock);
            throw new WharfException(ErrorCode.IO_ERROR, "cannot read metadata directory " + directory + ": " + e,
                    "check the disk holding the data directory", e);
        } catch (IllegalStateException e) {
            closeQuietly(log, lock);
            throw new WharfException(ErrorCode.DATA_DIR_INVALID, "metadata in " + directory + " is inconsistent: "
                    + e.getMessage(), "restore the metadata directory from a backup", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(log, lock);
            throw e;
        }
    }

    @Override
    public Optional<KeyValue> get(Bytes key) {
        Objects.requireNonNull(key, "key");
        return read(() -> keys.get(key));
    }

    @Override
    public Listing listing(Bytes prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return read(() -> new Listing(keys.revision(), keys.range(prefix)));
    }

    @Override
    public long revision() {
        return read(keys::revision);
    }

    @Override
    public TxnResult txn(Txn txn) {
        Objects.requireNonNull(txn, "txn");
        CompletableFuture<TxnResult> done = new CompletableFuture<>();
        submit(new Command.Transact(txn, done));
        return await(done);
    }

    @Override
    public Watch watch(Bytes prefix, long fromRevision, WatchListener listener) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(listener, "listener");
        if (fromRevision < 0) {
            throw new IllegalArgumentException("watch from revision " + fromRevision + " is negative");
        }
        ensureUsable();
        HistoryWatch watch = new HistoryWatch(history, prefix, fromRevision, listener);
        watch.start();
        return watch;
    }

    @Override
    public void compact(long revision) {
        ensureUsable();
        history.compact(revision);
    }

    @Override
    public long grantLease(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        ensureUsable();
        return leases.grant(ttl);
    }

    @Override
    public boolean keepAlive(long leaseId) {
        ensureUsable();
        return leases.keepAlive(leaseId);
    }

    @Override
    public boolean revokeLease(long leaseId) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        submit(new Command.Revoke(leaseId, done));
        return await(done);
    }

    /**
     * Ends every lease whose time to live has run out on the clock, deleting its keys, and
     * returns how many. Runs by itself every {@link EmbeddedStoreConfig#leaseCheckInterval()};
     * call it to act on a clock a test has just moved.
     */
    public int expireLeases() {
        List<Long> expired = leases.expired();
        List<CompletableFuture<Boolean>> revoked = new ArrayList<>(expired.size());
        for (long leaseId : expired) {
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            submit(new Command.Revoke(leaseId, done));
            revoked.add(done);
        }
        revoked.forEach(EmbeddedStore::await);
        for (long leaseId : expired) {
            LOG.atInfo().setMessage("lease expired").addKeyValue("leaseId", leaseId).log();
        }
        return expired.size();
    }

    /**
     * Writes a snapshot of the current state now and deletes the log it covers. Happens by itself
     * as the log grows; exposed for tests and for a clean shutdown.
     */
    public void snapshot() {
        ensureUsable();
        snapshotPermit.acquireUninterruptibly();
        try {
            writeSnapshot();
        } finally {
            snapshotPermit.release();
        }
    }

    /** The directory this store owns. */
    public Path directory() {
        return config.directory();
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (state == State.OPEN) {
                state = State.CLOSED;
            }
            queue.offer(new Command.Stop());
            joinUninterruptibly(committer);
            leaseTicker.shutdownNow();
            snapshotPermit.acquireUninterruptibly();
            snapshotWriter.shutdown();
            history.close();
            closeQuietly(log, lock);
            snapshotPermit.release();
            LOG.atInfo().setMessage("metadata store closed").addKeyValue("directory", config.directory()).log();
        }
    }

    private void start() {
        committer.start();
        long intervalMs = config.leaseCheckInterval().toMillis();
        leaseTicker.scheduleWithFixedDelay(this::expireLeasesQuietly, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void expireLeasesQuietly() {
        try {
            expireLeases();
        } catch (WharfException e) {
            if (state == State.OPEN) {
                LOG.atWarn().setMessage("lease expiry failed").addKeyValue("error", e.getMessage()).log();
            }
        } catch (RuntimeException e) {
            LOG.error("lease expiry failed", e);
        }
    }

    /** Before the store serves anyone: keys whose leases died with the previous process go. */
    private void deleteKeysOfEndedLeases() throws IOException {
        List<Op> deletes = new ArrayList<>();
        for (long leaseId : keys.leases()) {
            keys.keysOf(leaseId).forEach(key -> deletes.add(Op.delete(key)));
        }
        if (deletes.isEmpty()) {
            return;
        }
        LogRecord record = new LogRecord(keys.revision() + 1, deletes);
        log.append(LogRecord.frame(List.of(record)));
        log.force();
        history.append(new EventHistory.Revision(record.revision(), keys.apply(record)));
        LOG.atInfo().setMessage("deleted keys of leases from before restart").addKeyValue("keys", deletes.size())
                .addKeyValue("revision", record.revision()).log();
    }

    private void runCommitter() {
        List<Command> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (state == State.OPEN) {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                commitBatch(batch);
                batch.clear();
                maybeStartSnapshot();
            }
        } catch (InterruptedException e) {
            // Nothing interrupts this thread; treat it as a stop.
            Thread.currentThread().interrupt();
        } finally {
            failCommands(batch);
            failQueued();
        }
    }

    private void commitBatch(List<Command> batch) {
        Unflushed unflushed = new Unflushed();
        List<Runnable> answers = new ArrayList<>(batch.size());
        stateLock.writeLock().lock();
        try {
            for (Command command : batch) {
                answers.add(execute(command, unflushed));
            }
            flush(unflushed);
        } catch (IOException e) {
            fail(e);
            failCommands(batch);
            return;
        } catch (RuntimeException | Error e) {
            fail(e);
            throw e;
        } finally {
            stateLock.writeLock().unlock();
        }
        answers.forEach(Runnable::run);
    }

    /** Records applied to the key space but not yet in the log, with their watch events. */
    private static final class Unflushed {
        final List<LogRecord> records = new ArrayList<>();
        final List<EventHistory.Revision> revisions = new ArrayList<>();
        long bytes;
    }

    /** Applies one command to the key space; returns how to answer its caller once durable. */
    private Runnable execute(Command command, Unflushed unflushed) throws IOException {
        return switch (command) {
            case Command.Transact transact -> {
                try {
                    TxnResult result = transact(transact.txn(), unflushed);
                    yield () -> transact.done().complete(result);
                } catch (WharfException e) {
                    yield () -> transact.done().completeExceptionally(e);
                }
            }
            case Command.Revoke revoke -> {
                boolean wasAlive = revoke(revoke.leaseId(), unflushed);
                yield () -> revoke.done().complete(wasAlive);
            }
            case Command.Stop stop -> () -> { };
        };
    }

    private TxnResult transact(Txn txn, Unflushed unflushed) throws IOException {
        boolean succeeded = true;
        for (Compare compare : txn.compares()) {
            if (!compare.test(keys.get(compare.key()))) {
                succeeded = false;
                break;
            }
        }
        List<OpResult> results = new ArrayList<>();
        List<Op> changes = new ArrayList<>();
        for (Op op : succeeded ? txn.onSuccess() : txn.onFailure()) {
            Optional<KeyValue> previous = keys.get(op.key());
            switch (op) {
                case Op.Put put -> {
                    if (put.leaseId() != NO_LEASE && !leases.isAlive(put.leaseId())) {
                        throw new WharfException(ErrorCode.NOT_FOUND, "lease " + put.leaseId() + " has ended",
                                "grant a new lease and write the key again");
                    }
                    results.add(new OpResult.Put(previous));
                    changes.add(put);
                }
                case Op.Delete delete -> {
                    results.add(new OpResult.Delete(previous));
                    if (previous.isPresent()) {
                        changes.add(delete);
                    }
                }
            }
        }
        if (!changes.isEmpty()) {
            LogRecord record = new LogRecord(keys.revision() + 1, changes);
            if (record.size() > MAX_TXN_BYTES) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "transaction of " + record.size()
                        + " bytes is larger than the limit of " + MAX_TXN_BYTES,
                        "store large data elsewhere and keep only references in the cluster store");
            }
            commit(record, unflushed);
        }
        return new TxnResult(succeeded, keys.revision(), results);
    }

    private boolean revoke(long leaseId, Unflushed unflushed) throws IOException {
        boolean wasAlive = leases.remove(leaseId);
        List<Bytes> attached = keys.keysOf(leaseId);
        if (!attached.isEmpty()) {
            commit(new LogRecord(keys.revision() + 1, attached.stream().<Op>map(Op::delete).toList()), unflushed);
        }
        return wasAlive;
    }

    private void commit(LogRecord record, Unflushed unflushed) throws IOException {
        List<WatchEvent> events = keys.apply(record);
        unflushed.records.add(record);
        unflushed.revisions.add(new EventHistory.Revision(record.revision(), events));
        unflushed.bytes += record.size();
        if (unflushed.bytes >= FRAME_FLUSH_BYTES) {
            flush(unflushed);
        }
    }

    /** One frame, one force: the rule that lets recovery tell a torn tail from damage. */
    private void flush(Unflushed unflushed) throws IOException {
        if (unflushed.records.isEmpty()) {
            return;
        }
        log.append(LogRecord.frame(unflushed.records));
        log.force();
        unflushed.revisions.forEach(history::append);
        unflushed.records.clear();
        unflushed.revisions.clear();
        unflushed.bytes = 0;
    }

    private void maybeStartSnapshot() {
        if (state == State.OPEN && log.currentSegmentBytes() >= config.snapshotLogBytes() && snapshotPermit.tryAcquire()) {
            snapshotWriter.execute(() -> {
                try {
                    writeSnapshot();
                } catch (WharfException e) {
                    // Logged where it happened; the log still holds every write.
                } finally {
                    snapshotPermit.release();
                }
            });
        }
    }

    /** Copies the state and rolls the log under the write lock, then writes outside it. Holds the permit. */
    private void writeSnapshot() {
        long revision;
        List<KeyValue> entries;
        stateLock.writeLock().lock();
        try {
            ensureUsable();
            revision = keys.revision();
            entries = keys.entries();
            log.roll(revision + 1);
        } catch (IOException e) {
            throw fail(e);
        } finally {
            stateLock.writeLock().unlock();
        }
        try {
            SnapshotFile.write(config.directory(), revision, entries);
            log.deleteBefore(revision + 1);
        } catch (IOException e) {
            LOG.atError().setMessage("snapshot failed; the log still holds every write")
                    .addKeyValue("revision", revision).setCause(e).log();
            try {
                SnapshotFile.deleteTemp(config.directory());
            } catch (IOException ignored) {
                // The next open deletes it.
            }
            throw new WharfException(ErrorCode.IO_ERROR, "metadata snapshot at revision " + revision + " failed: " + e,
                    "check the disk holding the data directory", e);
        }
        LOG.atInfo().setMessage("snapshot written").addKeyValue("revision", revision)
                .addKeyValue("keys", entries.size()).log();
    }

    private void submit(Command command) {
        ensureUsable();
        try {
            queue.put(command);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorCode.UNAVAILABLE, "interrupted before the write was queued; nothing was written",
                    "retry the request");
        }
        if (state != State.OPEN) {
            failQueued();
        }
    }

    private static <T> T await(CompletableFuture<T> done) {
        try {
            return done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private <T> T read(Supplier<T> reader) {
        stateLock.readLock().lock();
        try {
            ensureUsable();
            return reader.get();
        } finally {
            stateLock.readLock().unlock();
        }
    }

    private void ensureUsable() {
        switch (state) {
            case OPEN -> { }
            case CLOSED, FAILED -> throw unusable();
        }
    }

    private WharfException unusable() {
        return switch (state) {
            case FAILED -> new WharfException(ErrorCode.IO_ERROR,
                    "metadata store stopped after a write could not be made durable: " + failure,
                    "restart the node; it recovers every acknowledged write from the log. Check the disk (dmesg) first",
                    failure);
            case OPEN, CLOSED -> new WharfException(ErrorCode.UNAVAILABLE, "metadata store is closed",
                    "the node is shutting down; retry against a running node");
        };
    }

    /** Stops the store for good after a failed write: durable state and memory may differ now. */
    private WharfException fail(Throwable cause) {
        failure = cause;
        state = State.FAILED;
        LOG.atError().setMessage("metadata store stopped: write failed").setCause(cause).log();
        return unusable();
    }

    private void failQueued() {
        List<Command> pending = new ArrayList<>();
        queue.drainTo(pending);
        failCommands(pending);
    }

    private void failCommands(List<Command> commands) {
        WharfException error = unusable();
        for (Command command : commands) {
            switch (command) {
                case Command.Transact transact -> transact.done().completeExceptionally(error);
                case Command.Revoke revoke -> revoke.done().completeExceptionally(error);
                case Command.Stop stop -> { }
            }
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                LOG.atWarn().setMessage("close failed").addKeyValue("resource", resource).setCause(e).log();
            }
        }
    }
}
