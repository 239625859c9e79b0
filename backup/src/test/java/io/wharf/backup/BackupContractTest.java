package io.wharf.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.backup.crypto.EncryptionSecret;
import io.wharf.backup.target.BackupTarget;
import io.wharf.core.ErrorCode;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's behaviour, run against every kind of target (a subclass per kind supplies a fresh,
 * empty target per test). Volumes are a few MiB in 256 KiB chunks, so each test has dozens of chunks.
 */
abstract class BackupContractTest {
    static final int KIB = 1024;
    static final int MIB = 1024 * 1024;
    static final int CHUNK = 256 * KIB;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<BackupEngine> engines = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    /** A new, empty target; each call of one test returns the same one. */
    abstract BackupTarget target();

    /** A second handle on the same target (a fresh client), for a second engine. */
    abstract BackupTarget reopenTarget();

    static BackupConfig config() {
        return BackupConfig.defaults().withChunkSize(CHUNK).withConcurrency(3).withPbkdf2Iterations(10_000)
                .withGcTimings(Duration.ofMillis(5), WAIT, Duration.ofSeconds(60), Duration.ofSeconds(5));
    }

    CountingTarget counting;

    BackupEngine open(BackupConfig config, EncryptionSecret secret) {
        counting = new CountingTarget(engines.isEmpty() ? target() : reopenTarget());
        BackupEngine engine = BackupEngine.open(counting, config, secret);
        engines.add(engine);
        return engine;
    }

    BackupEngine open() {
        return open(config(), null);
    }

    @AfterEach
    void closeEngines() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        for (BackupEngine engine : engines) {
            engine.close();
        }
    }

    static MemoryVolume restore(BackupEngine engine, String backupId, int size) {
        MemoryVolume destination = new MemoryVolume(size);
        engine.restore(backupId, destination, null);
        assertThat(destination.flushed).isTrue();
        assertThat(destination.discarded).isFalse();
        return destination;
    }

    static byte[] random(int bytes, long seed) {
        byte[] data = new byte[bytes];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    @Test
    void fullThenIncrementalRestoreEqualAndIncrementalUploadsOnlyChangedChunks() {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(8 * MIB, 1);
        BackupInfo full = engine.create(BackupRequest.of("db", volume).withLabels(Map.of("snapshot", "s1")), null);
        assertThat(full.full()).isTrue();
        assertThat(full.chainPosition()).isZero();
        assertThat(full.baseBackupId()).isNull();
        assertThat(full.labels()).containsEntry("snapshot", "s1");
        assertThat(full.chunkCount()).isEqualTo(24); // every fourth MiB is zeros: 6 MiB of data
        assertThat(full.dataBytes()).isEqualTo(6L * MIB);
        assertThat(counting.chunkPuts.get()).isEqualTo(24);
        assertThat(full.uploadedBytes()).isEqualTo(counting.chunkPutBytes.get());
        byte[] atFull = volume.data.clone();
        assertThat(restore(engine, full.backupId(), 8 * MIB).data).isEqualTo(atFull);

        volume.markBackedUp();
        volume.overwrite(MIB + 100, random(4 * KIB, 2));               // chunk 4
        volume.overwrite(5 * MIB - 10 * KIB, random(300 * KIB, 3));    // chunks 19, 20, 21
        volume.overwrite(3 * MIB + 8 * KIB, random(8 * KIB, 4));       // chunk 12, in a zero MiB
        counting.resetCounts();
        BackupInfo incremental = engine.create(BackupRequest.of("db", volume), null);
        assertThat(incremental.full()).isFalse();
        assertThat(incremental.baseBackupId()).isEqualTo(full.backupId());
        assertThat(incremental.chainPosition()).isEqualTo(1);
        assertThat(counting.chunkPuts.get()).isEqualTo(5);
        assertThat(incremental.uploadedChunks()).isEqualTo(5);
        assertThat(incremental.scannedBytes()).isEqualTo(5L * CHUNK);
        assertThat(incremental.newBytes()).isEqualTo(5L * CHUNK);
        assertThat(incremental.chunkCount()).isEqualTo(25);
        assertThat(restore(engine, incremental.backupId(), 8 * MIB).data).isEqualTo(volume.data);
        assertThat(restore(engine, full.backupId(), 8 * MIB).data).isEqualTo(atFull);

        volume.markBackedUp();
        counting.resetCounts();
        BackupInfo unchanged = engine.create(BackupRequest.of("db", volume), null);
        assertThat(unchanged.scannedBytes()).isZero();
        assertThat(unchanged.uploadedBytes()).isZero();
        assertThat(counting.chunkPuts.get()).isZero();
        assertThat(restore(engine, unchanged.backupId(), 8 * MIB).data).isEqualTo(volume.data);
    }

    @Test
    void dedupAcrossVolumesUploadsNoChunkTwice() {
        BackupEngine engine = open();
        MemoryVolume a = MemoryVolume.random(4 * MIB, 7);
        engine.create(BackupRequest.of("vol-a", a), null);
        counting.resetCounts();
        MemoryVolume b = a.copy();
        BackupInfo second = engine.create(BackupRequest.of("vol-b", b), null);
        assertThat(second.full()).isTrue();
        assertThat(counting.chunkPuts.get()).isZero();
        assertThat(second.uploadedBytes()).isZero();
        assertThat(second.storedBytes()).isPositive();
        assertThat(restore(engine, second.backupId(), 4 * MIB).data).isEqualTo(a.data);
        assertThat(engine.list().stream().map(BackupInfo::volume)).containsExactly("vol-a", "vol-b");
    }

    @Test
    void encryptedTargetHoldsNoPlaintextAndRefusesAWrongKey() {
        EncryptionSecret secret = EncryptionSecret.passphrase("correct horse battery staple");
        BackupEngine engine = open(config(), secret);
        assertThat(engine.encrypted()).isTrue();
        MemoryVolume volume = MemoryVolume.random(4 * MIB, 11);
        // a chunk that compresses well, so the compressed path is encrypted too
        byte[] text = "wharf plaintext ".repeat(CHUNK / 16).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        volume.overwrite(0, Arrays.copyOf(text, CHUNK));
        BackupInfo info = engine.create(BackupRequest.of("secret-db", volume), null);
        assertThat(info.encrypted()).isTrue();
        assertThat(info.uploadedBytes()).isLessThan(info.dataBytes()); // the text chunk compressed
        assertThat(PlaintextScan.blocksFound(counting.delegate, volume.data)).as("plaintext 4 KiB blocks in the target").isZero();
        assertThat(restore(engine, info.backupId(), 4 * MIB).data).isEqualTo(volume.data);

        BackupException wrong = catchBackup(() -> open(config(), EncryptionSecret.passphrase("wrong horse battery staple")));
        assertThat(wrong.reason()).isEqualTo(BackupError.ENCRYPTION_KEY_WRONG);
        assertThat(wrong.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
        assertThat(wrong.getMessage()).contains("does not match").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(wrong.hint()).isNotEmpty();
        BackupException none = catchBackup(() -> open(config(), null));
        assertThat(none.reason()).isEqualTo(BackupError.ENCRYPTION_KEY_REQUIRED);
        BackupException keyFile = catchBackup(() -> open(config(), new EncryptionSecret.KeyFile(new byte[32])));
        assertThat(keyFile.reason()).isEqualTo(BackupError.ENCRYPTION_KEY_WRONG);
        assertThat(keyFile.getMessage()).contains("passphrase");
    }

    @Test
    void plaintextScanFindsBlocksInAPlaintextTarget() {
        // the control for the scan above: without encryption the same data is found
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(2 * MIB, 11);
        engine.create(BackupRequest.of("plain", volume), null);
        assertThat(PlaintextScan.blocksFound(counting.delegate, volume.data)).isEqualTo(2 * MIB / (4 * KIB));
    }

    @Test
    void corruptChunkIsNamedWithItsOffsetAndTheRestoreIsDiscarded() {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(4 * MIB, 21);
        BackupInfo info = engine.create(BackupRequest.of("db", volume), null);
        int index = 5;
        String id = sha256(volume.data, index * CHUNK, CHUNK);
        String key = "chunks/" + id.substring(0, 2) + "/" + id;
        byte[] stored = counting.delegate.get(key).orElseThrow();
        stored[stored.length / 2] ^= 0x5a;
        counting.delegate.put(key, stored);

        MemoryVolume destination = new MemoryVolume(4 * MIB);
        BackupException e = catchBackup(() -> engine.restore(info.backupId(), destination, null));
        assertThat(e.reason()).isEqualTo(BackupError.CHUNK_CORRUPT);
        assertThat(e.code()).isEqualTo(ErrorCode.IO_ERROR);
        assertThat(e.getMessage()).contains(id).contains("volume offset " + (long) index * CHUNK).contains(info.backupId())
                .doesNotContain("\tat ");
        assertThat(destination.discarded).isTrue();
        assertThat(destination.flushed).isFalse();
    }

    @Test
    void missingChunkIsNamedWithItsOffsetAndTheRestoreIsDiscarded() {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(4 * MIB, 22);
        BackupInfo info = engine.create(BackupRequest.of("db", volume), null);
        int index = 9;
        String id = sha256(volume.data, index * CHUNK, CHUNK);
        counting.delegate.delete("chunks/" + id.substring(0, 2) + "/" + id);

        MemoryVolume destination = new MemoryVolume(4 * MIB);
        List<ProgressListener.Phase> phases = new CopyOnWriteArrayList<>();
        BackupException e = catchBackup(() -> engine.restore(info.backupId(), destination, p -> phases.add(p.phase())));
        assertThat(e.reason()).isEqualTo(BackupError.CHUNK_MISSING);
        assertThat(e.code()).isEqualTo(ErrorCode.IO_ERROR);
        assertThat(e.getMessage()).contains(id).contains("volume offset " + (long) index * CHUNK).contains("missing");
        assertThat(destination.discarded).isTrue();
        assertThat(destination.flushed).isFalse();
        assertThat(phases).doesNotContain(ProgressListener.Phase.DONE);
    }

    @Test
    void corruptChunkOfAnEncryptedTargetFailsItsTag() {
        BackupEngine engine = open(config(), EncryptionSecret.passphrase("correct horse battery staple"));
        MemoryVolume volume = MemoryVolume.random(2 * MIB, 23);
        BackupInfo info = engine.create(BackupRequest.of("db", volume), null);
        BackupTarget.ObjectInfo chunk = counting.delegate.list("chunks/").getFirst();
        byte[] stored = counting.delegate.get(chunk.key()).orElseThrow();
        stored[stored.length - 3] ^= 1;
        counting.delegate.put(chunk.key(), stored);
        MemoryVolume destination = new MemoryVolume(2 * MIB);
        BackupException e = catchBackup(() -> engine.restore(info.backupId(), destination, null));
        assertThat(e.reason()).isEqualTo(BackupError.CHUNK_CORRUPT);
        assertThat(e.getMessage()).contains(chunk.key().substring(chunk.key().lastIndexOf('/') + 1)).contains("authentication tag");
        assertThat(destination.discarded).isTrue();
    }

    @Test
    void garbageCollectionRemovesTheOrphansOfDeletedBackupsOnly() {
        BackupEngine engine = open();
        MemoryVolume a = MemoryVolume.random(2 * MIB, 31);
        MemoryVolume b = MemoryVolume.random(2 * MIB, 32);
        BackupInfo backupA = engine.create(BackupRequest.of("vol-a", a), null);
        BackupInfo backupB = engine.create(BackupRequest.of("vol-b", b), null);
        engine.delete(backupA.backupId());
        assertThat(engine.list()).extracting(BackupInfo::backupId).containsExactly(backupB.backupId());

        GcResult young = engine.collectGarbage(GcOptions.defaults()); // one hour minimum age
        assertThat(young.deletedChunks()).isZero();
        assertThat(young.keptYoungChunks()).isEqualTo(backupA.chunkCount());
        GcResult dry = engine.collectGarbage(GcOptions.defaults().withMinChunkAge(Duration.ZERO).asDryRun());
        assertThat(dry.deletedChunks()).isEqualTo(backupA.chunkCount());
        assertThat(counting.delegate.list("chunks/")).hasSize((int) (backupA.chunkCount() + backupB.chunkCount()));

        GcResult result = engine.collectGarbage(GcOptions.defaults().withMinChunkAge(Duration.ZERO));
        assertThat(result.deletedChunks()).isEqualTo(backupA.chunkCount());
        assertThat(result.referencedChunks()).isEqualTo(backupB.chunkCount());
        assertThat(counting.delegate.list("chunks/")).hasSize((int) backupB.chunkCount());
        assertThat(restore(engine, backupB.backupId(), 2 * MIB).data).isEqualTo(b.data);
        assertThat(catchBackup(() -> engine.inspect(backupA.backupId())).reason()).isEqualTo(BackupError.BACKUP_NOT_FOUND);
    }

    @Test
    void garbageCollectionWhileABackupRunsLosesNothing() throws Exception {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(4 * MIB, 41);
        BackupInfo old = engine.create(BackupRequest.of("db", volume), null);
        engine.delete(old.backupId()); // its chunks are now orphans the next backup will find and reuse

        MemoryVolume source = volume.copy();
        source.holdReadsFrom(2L * MIB); // the backup finishes its first window (1.5 MiB), then stops reading
        Future<BackupInfo> running = threads.submit(() -> engine.create(BackupRequest.of("db", source).full(), null));
        assertThat(source.held.await(60, TimeUnit.SECONDS)).isTrue();
        // the first window (6 chunks) reserved in the journal, then checked in the target (found: reused)
        Poll.until(WAIT, "the first window to be checked", () -> counting.chunkStats.get() >= 6);
        assertThat(engine.inProgress()).extracting(InProgressBackup::volume).containsExactly("db");

        GcResult collected = engine.collectGarbage(GcOptions.defaults().withMinChunkAge(Duration.ZERO));
        assertThat(collected.backupsInProgress()).isEqualTo(1);
        assertThat(collected.deletedChunks()).isPositive().isLessThan(old.chunkCount());
        source.release.countDown();
        BackupInfo finished = running.get(60, TimeUnit.SECONDS);

        assertThat(restore(engine, finished.backupId(), 4 * MIB).data).isEqualTo(volume.data);
        assertThat(engine.collectGarbage(GcOptions.defaults().withMinChunkAge(Duration.ZERO)).deletedChunks()).isZero();
        assertThat(restore(engine, finished.backupId(), 4 * MIB).data).isEqualTo(volume.data);
    }

    @Test
    void backupWaitsForARunningCollectionAndThenUploadsWhatItDeleted() throws Exception {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(2 * MIB, 42);
        BackupInfo old = engine.create(BackupRequest.of("db", volume), null);
        engine.delete(old.backupId());
        counting.holdChunkDeletes = true;
        Future<GcResult> collecting = threads.submit(() -> engine.collectGarbage(GcOptions.defaults().withMinChunkAge(Duration.ZERO)));
        assertThat(counting.deleteHeld.await(60, TimeUnit.SECONDS)).isTrue(); // the collection decided what to delete

        List<ProgressListener.Phase> phases = new CopyOnWriteArrayList<>();
        counting.resetCounts();
        Future<BackupInfo> backup = threads.submit(() -> engine.create(BackupRequest.of("db", volume.copy()), p -> phases.add(p.phase())));
        Poll.until(WAIT, "the backup to wait for the collection", () -> phases.contains(ProgressListener.Phase.WAITING_FOR_GC));
        assertThat(counting.chunkPuts.get()).isZero();
        assertThat(backup.isDone()).isFalse();

        counting.holdChunkDeletes = false;
        counting.deleteRelease.countDown();
        assertThat(collecting.get(60, TimeUnit.SECONDS).deletedChunks()).isEqualTo(old.chunkCount());
        BackupInfo info = backup.get(60, TimeUnit.SECONDS);
        assertThat(info.uploadedChunks()).isEqualTo(old.chunkCount()); // everything it would have reused was collected
        assertThat(restore(engine, info.backupId(), 2 * MIB).data).isEqualTo(volume.data);
    }

    @Test
    void everyNthBackupIsFullAndManifestsStandAlone() {
        BackupEngine engine = open(config().withFullEvery(3), null);
        MemoryVolume volume = MemoryVolume.random(2 * MIB, 51);
        List<BackupInfo> backups = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            backups.add(engine.create(BackupRequest.of("db", volume), null));
            images.add(volume.data.clone());
            volume.markBackedUp();
            volume.overwrite(i * 300 * KIB, random(16 * KIB, 60 + i));
        }
        assertThat(backups).extracting(BackupInfo::full).containsExactly(true, false, false, true, false);
        assertThat(backups).extracting(BackupInfo::chainPosition).containsExactly(0, 1, 2, 0, 1);
        assertThat(backups.get(3).scannedBytes()).isEqualTo(2L * MIB);
        assertThat(backups.get(3).uploadedChunks()).isEqualTo(1); // full, but dedup: only the changed chunk is new
        assertThat(engine.list("db")).hasSize(5);
        assertThat(engine.inspect(backups.get(2).backupId())).isEqualTo(backups.get(2));

        engine.delete(backups.get(0).backupId()); // the base of the chain
        engine.delete(backups.get(1).backupId());
        engine.collectGarbage(GcOptions.defaults().withMinChunkAge(Duration.ZERO));
        assertThat(restore(engine, backups.get(2).backupId(), 2 * MIB).data).isEqualTo(images.get(2));
        assertThat(restore(engine, backups.get(4).backupId(), 2 * MIB).data).isEqualTo(images.get(4));
        assertThat(engine.list("db")).hasSize(3);
    }

    @Test
    void createWithAnExistingIdIsIdempotentAndIdsAreNotShared() {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(MIB, 61);
        BackupInfo first = engine.create(BackupRequest.of("db", volume).withBackupId("nightly-1"), null);
        counting.resetCounts();
        assertThat(engine.create(BackupRequest.of("db", volume).withBackupId("nightly-1"), null)).isEqualTo(first);
        assertThat(counting.chunkPuts.get()).isZero();
        BackupException taken = catchBackup(() -> engine.create(BackupRequest.of("other", volume).withBackupId("nightly-1"), null));
        assertThat(taken.reason()).isEqualTo(BackupError.BACKUP_ID_TAKEN);
        assertThat(catchBackup(() -> engine.restore("nope", new MemoryVolume(MIB), null)).reason()).isEqualTo(BackupError.BACKUP_NOT_FOUND);
        MemoryVolume small = new MemoryVolume(MIB / 2);
        assertThat(catchBackup(() -> engine.restore("nightly-1", small, null)).reason()).isEqualTo(BackupError.DESTINATION_TOO_SMALL);
        assertThat(small.writes.get()).isZero();
    }

    @Test
    void progressIsMonotonicAndEndsDone() {
        BackupEngine engine = open();
        MemoryVolume volume = MemoryVolume.random(2 * MIB, 71);
        List<ProgressListener.Progress> seen = new CopyOnWriteArrayList<>();
        BackupInfo info = engine.create(BackupRequest.of("db", volume), seen::add);
        ProgressListener.Progress last = seen.getLast();
        assertThat(last.phase()).isEqualTo(ProgressListener.Phase.DONE);
        assertThat(last.doneBytes()).isEqualTo(2L * MIB).isEqualTo(last.totalBytes());
        for (int i = 1; i < seen.size(); i++) {
            if (seen.get(i).totalBytes() == seen.get(i - 1).totalBytes()) {
                assertThat(seen.get(i).doneBytes()).isGreaterThanOrEqualTo(seen.get(i - 1).doneBytes());
            }
        }
        List<ProgressListener.Progress> restored = new CopyOnWriteArrayList<>();
        engine.restore(info.backupId(), new MemoryVolume(2 * MIB), restored::add);
        assertThat(restored.getLast()).isEqualTo(new ProgressListener.Progress(info.backupId(), ProgressListener.Phase.DONE,
                info.dataBytes(), info.dataBytes()));
    }

    static BackupException catchBackup(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(thrown).isInstanceOf(BackupException.class);
        return (BackupException) thrown;
    }

    static String sha256(byte[] data, int offset, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(data, offset, length);
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
