package io.wharf.backup;

import io.wharf.backup.ProgressListener.Phase;
import io.wharf.backup.ProgressListener.Progress;

/** Serialises progress calls of one operation and keeps them monotonic. */
final class ProgressTracker {
    private final String backupId;
    private final ProgressListener listener;
    private long doneBytes;
    private long totalBytes;
    private Phase phase;

    ProgressTracker(String backupId, ProgressListener listener, Phase phase, long doneBytes, long totalBytes) {
        this.backupId = backupId;
        this.listener = listener;
        this.phase = phase;
        this.doneBytes = doneBytes;
        this.totalBytes = totalBytes;
        report();
    }

    synchronized void add(long bytes) {
        doneBytes = Math.min(totalBytes, doneBytes + bytes);
        report();
    }

    synchronized void phase(Phase newPhase) {
        phase = newPhase;
        if (newPhase == Phase.DONE) {
            doneBytes = totalBytes;
        }
        report();
    }

    synchronized void total(long total, long done) {
        totalBytes = total;
        doneBytes = Math.min(total, done);
        report();
    }

    synchronized long doneBytes() {
        return doneBytes;
    }

    private void report() {
        try {
            listener.progress(new Progress(backupId, phase, doneBytes, totalBytes));
        } catch (RuntimeException e) {
            // a listener's bug must not fail the backup
        }
    }
}
