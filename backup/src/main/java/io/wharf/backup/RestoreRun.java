package io.wharf.backup;

import io.wharf.backup.ProgressListener.Phase;
import io.wharf.backup.format.ChunkRef;
import io.wharf.backup.format.CorruptObjectException;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.Manifest;
import io.wharf.backup.format.ObjectKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of {@link BackupEngine#restore}: reads one manifest, then every chunk it names (at most
 * {@code concurrency} at once), verifies it (GCM tag or SHA-256, length, and the chunk id recomputed
 * from the plaintext) and writes it at its offset. On the first failure no further write starts;
 * once the running ones ended the destination is discarded and the failure thrown. Success is
 * reported only after the destination's flush.
 */
final class RestoreRun {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreRun.class);

    private final Repository repository;
    private final BackupConfig config;
    private final Bandwidth bandwidth;

    RestoreRun(Repository repository, BackupConfig config, Bandwidth bandwidth) {
        this.repository = repository;
        this.config = config;
        this.bandwidth = bandwidth;
    }

    BackupInfo run(String backupId, RestoreDestination destination, ProgressListener listener) {
        Manifest manifest = manifest(backupId);
        BackupInfo info = manifest.info();
        if (destination.sizeBytes() < info.sizeBytes()) {
            throw new BackupException(BackupError.DESTINATION_TOO_SMALL, "backup " + backupId + " of volume " + info.volume() + " holds "
                    + info.sizeBytes() + " bytes; the destination has " + destination.sizeBytes(),
                    "restore into a volume of at least " + info.sizeBytes() + " bytes");
        }
        LOG.atInfo().setMessage("restore started").addKeyValue("backupId", backupId).addKeyValue("volume", info.volume())
                .addKeyValue("chunks", manifest.chunks().size()).log();
        ProgressTracker tracker = new ProgressTracker(backupId, listener, Phase.RESTORING, 0, info.dataBytes());
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Semaphore permits = new Semaphore(config.concurrency());
        boolean interrupted = false;
        try (ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ChunkRef ref : manifest.chunks()) {
                if (failure.get() != null) {
                    break;
                }
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, new BackupException(BackupError.INTERRUPTED, "restore of backup " + backupId
                            + " was interrupted", "run the restore again into a new volume", e));
                    break;
                }
                io.submit(() -> {
                    try {
                        if (failure.get() == null) {
                            restoreChunk(info, ref, destination, failure);
                            tracker.add(length(info, ref.index()));
                        }
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    } catch (InterruptedException e) {
                        failure.compareAndSet(null, new BackupException(BackupError.INTERRUPTED, "restore of backup " + backupId
                                + " was interrupted", "run the restore again into a new volume", e));
                    } finally {
                        permits.release();
                    }
                });
            }
        } // close() waits until no task runs: no write can follow the discard below
        if (failure.get() == null) {
            try {
                destination.flush();
            } catch (IOException e) {
                failure.set(new BackupException(BackupError.DESTINATION_IO, "flushing the restored volume failed: " + e.getMessage(),
                        "check the destination volume's pool", e));
            }
        }
        if (failure.get() != null) {
            RuntimeException thrown = failure.get();
            try {
                destination.discard();
            } catch (IOException | RuntimeException e) {
                thrown.addSuppressed(e);
            }
            LOG.atWarn().setMessage("restore failed; destination discarded").addKeyValue("backupId", backupId)
                    .addKeyValue("error", thrown.getMessage()).log();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw thrown;
        }
        tracker.phase(Phase.DONE);
        LOG.atInfo().setMessage("restore complete").addKeyValue("backupId", backupId).addKeyValue("bytes", info.dataBytes()).log();
        return info;
    }

    private Manifest manifest(String backupId) {
        Optional<Manifest> manifest = repository.manifest(backupId);
        if (manifest.isPresent()) {
            return manifest.get();
        }
        if (repository.marker(backupId).isPresent()) {
            throw new BackupException(BackupError.BACKUP_NOT_FOUND, "backup " + backupId + " is not complete",
                    "resume it (create it again with the same id) or restore another backup");
        }
        throw new BackupException(BackupError.BACKUP_NOT_FOUND, "backup " + backupId + " does not exist in " + repository.target.describe(),
                "list the target's backups to see which exist");
    }

    private void restoreChunk(BackupInfo info, ChunkRef ref, RestoreDestination destination, AtomicReference<RuntimeException> failure)
            throws InterruptedException {
        String key = Layout.chunk(ref.id());
        long offset = ref.index() * info.chunkSizeBytes();
        int length = length(info, ref.index());
        byte[] stored = repository.target.get(key).orElseThrow(() -> new BackupException(BackupError.CHUNK_MISSING,
                "chunk " + ref.id() + " for volume offset " + offset + " (chunk " + ref.index() + ") of backup " + info.backupId()
                        + " of volume " + info.volume() + " is missing from " + repository.target.describe(),
                "the target lost data: restore another backup of the volume; nothing of this restore was kept"));
        bandwidth.acquire(stored.length);
        byte[] plain;
        try {
            plain = repository.envelope.decode(ObjectKind.CHUNK, key, stored);
            if (plain.length != length) {
                throw new CorruptObjectException("content is " + plain.length + " bytes, expected " + length);
            }
            if (!repository.keys().chunkId(plain, 0, plain.length).equals(ref.id())) {
                throw new CorruptObjectException("content does not hash to the chunk's id");
            }
        } catch (CorruptObjectException e) {
            throw new BackupException(BackupError.CHUNK_CORRUPT, "chunk " + ref.id() + " for volume offset " + offset + " (chunk "
                    + ref.index() + ") of backup " + info.backupId() + " of volume " + info.volume() + " in "
                    + repository.target.describe() + " is corrupt: " + e.getMessage(),
                    "the target altered or damaged the object: restore another backup of the volume; nothing of this restore was kept", e);
        }
        if (failure.get() != null) {
            return;
        }
        try {
            destination.write(offset, ByteBuffer.wrap(plain));
        } catch (IOException e) {
            throw new BackupException(BackupError.DESTINATION_IO, "writing the restored volume at offset " + offset + " failed: "
                    + e.getMessage(), "check the destination volume's pool", e);
        }
    }

    private static int length(BackupInfo info, long index) {
        return (int) Math.min(info.chunkSizeBytes(), info.sizeBytes() - index * info.chunkSizeBytes());
    }
}
