package io.wharf.backup;

import io.wharf.backup.crypto.EncryptionSecret;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.Marker;
import io.wharf.backup.target.BackupTarget;
import io.wharf.backup.target.TargetSpec;
import io.wharf.core.Clock;
import io.wharf.core.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup engine of one target: create (and resume) backups of volume images, restore them,
 * list, inspect and delete them, and collect garbage. What the node, the REST API and the CLI call.
 *
 * <p>Calls block; run them on a thread of their own (a virtual thread is fine). The engine is safe
 * for concurrent calls, with one rule for the caller: at most one {@link #create} per backup id at a
 * time (two processes resuming the same id would both write its journal). Backups of different
 * volumes, or of the same volume with different ids, restores, deletes and garbage collection may run
 * at the same time, in this process or in others sharing the target.
 *
 * <p>Errors are {@link BackupException}s with a {@link BackupError} reason, or a {@link
 * io.wharf.core.WharfException} for invalid arguments (INVALID_NAME, INVALID_SIZE).
 */
public final class BackupEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackupEngine.class);

    private final Repository repository;
    private final BackupConfig config;
    private final Bandwidth bandwidth;

    private BackupEngine(Repository repository, BackupConfig config, Bandwidth bandwidth) {
        this.repository = repository;
        this.config = config;
        this.bandwidth = bandwidth;
    }

    /**
     * Opens a target: checks it is reachable and usable, initialises an empty one (encrypted when a
     * secret is given), checks the key of an encrypted one. The engine owns the target from now on.
     *
     * @param secret null for a plaintext target
     */
    public static BackupEngine open(BackupTarget target, BackupConfig config, EncryptionSecret secret, Clock clock) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        try {
            Repository repository = Repository.open(target, config, secret, clock);
            LOG.atInfo().setMessage("backup target opened").addKeyValue("target", target.describe())
                    .addKeyValue("encrypted", repository.keys().encrypted()).addKeyValue("chunkSizeBytes", config.chunkSizeBytes())
                    .addKeyValue("concurrency", config.concurrency()).addKeyValue("bandwidthBytesPerSecond", config.bandwidthBytesPerSecond())
                    .addKeyValue("fullEvery", config.fullEvery()).log();
            return new BackupEngine(repository, config, new Bandwidth(config.bandwidthBytesPerSecond(), clock));
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
    }

    public static BackupEngine open(BackupTarget target, BackupConfig config, EncryptionSecret secret) {
        return open(target, config, secret, Clock.SYSTEM);
    }

    /** Opens the target a spec names (see {@link TargetSpec#parse}). */
    public static BackupEngine open(TargetSpec spec, BackupConfig config, EncryptionSecret secret) {
        return open(spec.open(), config, secret, Clock.SYSTEM);
    }

    /**
     * Backs up a volume image, or resumes an interrupted backup with the same id (chunks already in
     * the target are not uploaded again). The first backup of a volume is full; later ones are
     * incremental to the volume's newest backup (or the request's base), reading only the ranges
     * {@link VolumeSource#changedSince} reports, except every {@link BackupConfig#fullEvery}-th,
     * which reads everything. Returns once the manifest is written: only then is the backup listed.
     */
    public BackupInfo create(BackupRequest request, ProgressListener listener) {
        return new BackupRun(repository, config, bandwidth, request, listener == null ? ProgressListener.NONE : listener).run();
    }

    /**
     * Restores a backup into {@code destination} (see its contract), verifying every chunk. Returns
     * the backup's info once the destination holds the whole image and was flushed; on any failure the
     * destination is discarded and the exception names the chunk and volume offset where there is one.
     */
    public BackupInfo restore(String backupId, RestoreDestination destination, ProgressListener listener) {
        Names.requireValid("backup", backupId);
        return new RestoreRun(repository, config, bandwidth).run(backupId, destination,
                listener == null ? ProgressListener.NONE : listener);
    }

    /** Every complete backup in the target, oldest first. */
    public List<BackupInfo> list() {
        return repository.backups();
    }

    /** The complete backups of one volume, oldest first. */
    public List<BackupInfo> list(String volume) {
        return repository.backups().stream().filter(info -> info.volume().equals(volume)).toList();
    }

    /** A complete backup; BACKUP_NOT_FOUND (saying so when it is still in progress) otherwise. */
    public BackupInfo inspect(String backupId) {
        Names.requireValid("backup", backupId);
        return repository.complete(backupId).orElseThrow(() -> notFound(backupId));
    }

    /** Backups started and not complete: running, or interrupted and waiting to be resumed or deleted. */
    public List<InProgressBackup> inProgress() {
        List<InProgressBackup> backups = new ArrayList<>();
        for (String backupId : repository.inProgressIds()) {
            Optional<Marker> marker = repository.marker(backupId);
            if (marker.isEmpty() || repository.target.exists(Layout.manifest(backupId))) {
                continue; // being created or cleaned up right now
            }
            Journal journal = Journal.load(repository, backupId);
            long toRead = 0;
            long read = 0;
            if (journal.plan() != null) {
                List<Long> indexes = journal.plan().chunks();
                long count = indexes != null ? indexes.size() : BackupRun.chunkCount(journal.plan().sizeBytes(), journal.plan().chunkSizeBytes());
                for (long i = 0; i < count; i++) {
                    if (journal.isDone(indexes != null ? indexes.get((int) i) : i)) {
                        read++;
                    }
                }
                toRead = count;
            }
            backups.add(new InProgressBackup(backupId, marker.get().volume(), marker.get().createdAt(), marker.get().labels(),
                    toRead, read));
        }
        return backups;
    }

    /**
     * Deletes a backup: a complete one's manifest (its chunks go at the next garbage collection;
     * backups made from it stay complete), or everything of an in-progress one (do not call that
     * while it runs). Idempotent only in effect: an unknown id is BACKUP_NOT_FOUND.
     */
    public void delete(String backupId) {
        Names.requireValid("backup", backupId);
        if (repository.target.exists(Layout.manifest(backupId))) {
            repository.target.delete(Layout.manifest(backupId)); // no longer complete from here
            repository.target.delete(Layout.summary(backupId));
            LOG.atInfo().setMessage("backup deleted").addKeyValue("backupId", backupId).log();
            return;
        }
        if (repository.inProgressIds().contains(backupId)) {
            Journal.load(repository, backupId).deleteAll();
            repository.target.delete(Layout.summary(backupId));
            repository.target.delete(Layout.marker(backupId)); // last: until here collections keep its chunks
            LOG.atInfo().setMessage("in-progress backup dropped").addKeyValue("backupId", backupId).log();
            return;
        }
        throw notFound(backupId);
    }

    /** Deletes chunks nothing references; safe while backups run (see the package comment). */
    public GcResult collectGarbage(GcOptions options) {
        return new GarbageCollector(repository, config).run(options);
    }

    public boolean encrypted() {
        return repository.keys().encrypted();
    }

    /** The target, for messages; never holds a secret. */
    public String describe() {
        return repository.target.describe();
    }

    @Override
    public void close() {
        repository.target.close();
    }

    @Override
    public String toString() {
        return "BackupEngine[" + describe() + (encrypted() ? ", encrypted" : "") + "]";
    }

    private BackupException notFound(String backupId) {
        if (repository.inProgressIds().contains(backupId)) {
            return new BackupException(BackupError.BACKUP_NOT_FOUND, "backup " + backupId + " is not complete",
                    "resume it (create it again with the same id) or delete it");
        }
        return new BackupException(BackupError.BACKUP_NOT_FOUND, "backup " + backupId + " does not exist in " + describe(),
                "list the target's backups to see which exist");
    }
}
