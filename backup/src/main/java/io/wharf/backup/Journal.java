package io.wharf.backup;

import io.wharf.backup.format.ChunkRef;
import io.wharf.backup.format.JournalSegment;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.ObjectKind;
import io.wharf.backup.format.Plan;
import io.wharf.backup.target.BackupTarget.ObjectInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The journal of one in-progress backup: segments {@code inprogress/<id>/journal-<sequence>} in the
 * target (see {@link JournalSegment}). Every {@value #CHECKPOINT_EVERY}th segment is a checkpoint
 * that repeats the whole state; the segments before it are then deleted, so a journal stays short.
 * Loading starts at the newest checkpoint; a segment deleted between listing and reading (a
 * concurrent checkpoint) makes it list again.
 *
 * <p>Thread safety: the record methods are called from upload threads; all methods are synchronized.
 */
final class Journal {
    static final int CHECKPOINT_EVERY = 64;
    private static final int LOAD_ATTEMPTS = 5;

    private final Repository repository;
    private final String backupId;
    private Plan plan;
    private final Map<Long, ChunkRef> done = new TreeMap<>();
    private final Set<Long> zeros = new TreeSet<>();
    private final Set<String> reserved = new HashSet<>();
    private long scannedBytes;
    private long newBytes;
    private long uploadedBytes;
    private long uploadedChunks;
    private long nextSequence;
    // recorded since the last append
    private final List<ChunkRef> pendingDone = new ArrayList<>();
    private final List<Long> pendingZeros = new ArrayList<>();
    private long pendingScanned;
    private long pendingNew;
    private long pendingUploaded;
    private long pendingUploadedChunks;

    private Journal(Repository repository, String backupId) {
        this.repository = repository;
        this.backupId = backupId;
    }

    /** The journal as the target holds it; empty (no plan) for a backup that has not planned yet. */
    static Journal load(Repository repository, String backupId) {
        for (int attempt = 1; ; attempt++) {
            Optional<Journal> journal = tryLoad(repository, backupId);
            if (journal.isPresent()) {
                return journal.get();
            }
            if (attempt == LOAD_ATTEMPTS) {
                throw new BackupException(BackupError.TARGET_IO, "the journal of backup " + backupId + " in "
                        + repository.target.describe() + " changed under " + LOAD_ATTEMPTS + " reads in a row",
                        "retry; is a second process running the same backup?");
            }
        }
    }

    private static Optional<Journal> tryLoad(Repository repository, String backupId) {
        List<String> keys = segmentKeys(repository, backupId);
        List<JournalSegment> segments = new ArrayList<>();
        for (int i = keys.size() - 1; i >= 0; i--) { // newest first, down to the newest checkpoint
            Optional<JournalSegment> segment = repository.read(keys.get(i), ObjectKind.JOURNAL, JournalSegment.class);
            if (segment.isEmpty()) {
                return Optional.empty(); // deleted by a checkpoint since the listing
            }
            segments.addFirst(segment.get());
            if (segment.get().checkpoint()) {
                break;
            }
        }
        Journal journal = new Journal(repository, backupId);
        for (JournalSegment segment : segments) {
            journal.apply(segment);
        }
        return Optional.of(journal);
    }

    private static List<String> segmentKeys(Repository repository, String backupId) {
        String prefix = Layout.inProgress(backupId) + Layout.JOURNAL;
        return repository.target.list(prefix).stream().map(ObjectInfo::key).sorted().toList();
    }

    private void apply(JournalSegment segment) {
        if (segment.checkpoint()) {
            done.clear();
            zeros.clear();
            reserved.clear();
            scannedBytes = newBytes = uploadedBytes = uploadedChunks = 0;
        }
        if (segment.plan() != null) {
            plan = segment.plan();
        }
        reserved.addAll(segment.reserved());
        for (ChunkRef ref : segment.done()) {
            done.put(ref.index(), ref);
            zeros.remove(ref.index());
        }
        for (long index : segment.zeros()) {
            zeros.add(index);
            done.remove(index);
        }
        scannedBytes += segment.scannedBytes();
        newBytes += segment.newBytes();
        uploadedBytes += segment.uploadedBytes();
        uploadedChunks += segment.uploadedChunks();
        nextSequence = segment.sequence() + 1;
    }

    synchronized Plan plan() {
        return plan;
    }

    /**
     * Writes a segment with everything recorded since the last one, {@code reserve} and, when given,
     * the plan; returns when the target holds it. Every {@value #CHECKPOINT_EVERY}th is a checkpoint.
     */
    synchronized void append(Plan newPlan, Collection<String> reserve) {
        if (newPlan != null) {
            plan = newPlan;
        }
        reserved.addAll(reserve);
        long sequence = nextSequence;
        boolean checkpoint = sequence > 0 && sequence % CHECKPOINT_EVERY == 0;
        JournalSegment segment = checkpoint
                ? new JournalSegment(JournalSegment.FORMAT, sequence, true, plan, List.copyOf(reserved),
                        List.copyOf(done.values()), List.copyOf(zeros), scannedBytes, newBytes, uploadedBytes, uploadedChunks)
                : new JournalSegment(JournalSegment.FORMAT, sequence, false, newPlan, List.copyOf(reserve),
                        List.copyOf(pendingDone), List.copyOf(pendingZeros), pendingScanned, pendingNew, pendingUploaded,
                        pendingUploadedChunks);
        repository.write(Layout.journal(backupId, sequence), ObjectKind.JOURNAL, segment);
        nextSequence = sequence + 1;
        pendingDone.clear();
        pendingZeros.clear();
        pendingScanned = pendingNew = pendingUploaded = pendingUploadedChunks = 0;
        if (checkpoint) {
            for (long older = 0; older < sequence; older++) {
                repository.target.delete(Layout.journal(backupId, older));
            }
        }
    }

    /** A chunk finished; {@code uploadedBytes > 0} when this backup put it into the target. */
    synchronized void recordDone(ChunkRef ref, long scanned, long rawBytesUploaded, long storedBytesUploaded) {
        done.put(ref.index(), ref);
        zeros.remove(ref.index());
        pendingDone.add(ref);
        scannedBytes += scanned;
        pendingScanned += scanned;
        if (storedBytesUploaded > 0) {
            newBytes += rawBytesUploaded;
            pendingNew += rawBytesUploaded;
            uploadedBytes += storedBytesUploaded;
            pendingUploaded += storedBytesUploaded;
            uploadedChunks++;
            pendingUploadedChunks++;
        }
    }

    synchronized void recordZero(long index, long scanned) {
        zeros.add(index);
        done.remove(index);
        pendingZeros.add(index);
        scannedBytes += scanned;
        pendingScanned += scanned;
    }

    /** Forgets a done chunk (it went missing from the target); it will be read again. */
    synchronized void forget(long index) {
        done.remove(index);
    }

    synchronized boolean isDone(long index) {
        return done.containsKey(index) || zeros.contains(index);
    }

    synchronized Map<Long, ChunkRef> done() {
        return new TreeMap<>(done);
    }

    /** Chunk ids known to be in the target because this backup finished them. */
    synchronized Set<String> doneIds() {
        Set<String> ids = new HashSet<>();
        for (ChunkRef ref : done.values()) {
            ids.add(ref.id());
        }
        return ids;
    }

    /** What garbage collection must keep for this backup: reserved and done chunk ids. */
    synchronized Set<String> roots() {
        Set<String> roots = doneIds();
        roots.addAll(reserved);
        return roots;
    }

    synchronized long doneCount() {
        return done.size() + zeros.size();
    }

    synchronized long scannedBytes() {
        return scannedBytes;
    }

    synchronized long newBytes() {
        return newBytes;
    }

    synchronized long uploadedBytes() {
        return uploadedBytes;
    }

    synchronized long uploadedChunks() {
        return uploadedChunks;
    }

    /** Deletes every segment (after the manifest, or when the backup is dropped). */
    void deleteAll() {
        for (String key : segmentKeys(repository, backupId)) {
            repository.target.delete(key);
        }
    }
}
