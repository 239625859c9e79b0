package io.wharf.backup;

import io.wharf.backup.format.GcRun;
import io.wharf.backup.format.Layout;
import io.wharf.backup.format.ObjectKind;
import io.wharf.backup.target.BackupTarget.ObjectInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The backup's side of the garbage-collection protocol (the argument is in the package comment):
 * before relying on any chunk it has just reserved in its journal, a backup checks that no
 * collection is running, and waits for running ones to end. A collection whose heartbeat is older
 * than {@link BackupConfig#gcStaleAfter} is taken as dead (the collector stops deleting long before
 * that, see {@link GarbageCollector}).
 */
final class GcGate {
    private final Repository repository;
    private final BackupConfig config;
    private final Consumer<String> onWait;

    /** {@code onWait} is told the run id each time the backup starts waiting for one. */
    GcGate(Repository repository, BackupConfig config, Consumer<String> onWait) {
        this.repository = repository;
        this.config = config;
        this.onWait = onWait;
    }

    /**
     * Returns once no collection is running: the ids of every collection run recorded in the target
     * (finished, aborted or dead). Fails with GC_BUSY after {@link BackupConfig#gcWaitTimeout}.
     */
    Set<String> awaitNoRunningCollection() {
        long startNanos = repository.clock.nanoTime();
        String waitingFor = null;
        while (true) {
            Instant now = repository.clock.now();
            GcRun running = null;
            Set<String> ids = new HashSet<>();
            for (ObjectInfo object : repository.target.list(Layout.GC)) {
                ids.add(object.key().substring(Layout.GC.length()));
                // a record not written for two stale periods cannot hold a fresh heartbeat (allowing
                // for skew between the store's clock and ours): skip reading it
                if (Duration.between(object.lastModified(), now).compareTo(config.gcStaleAfter().multipliedBy(2)) > 0) {
                    continue;
                }
                Optional<GcRun> run = repository.read(object.key(), ObjectKind.GC_RUN, GcRun.class);
                if (run.isPresent() && run.get().state() == GcRun.State.RUNNING
                        && Duration.between(run.get().heartbeatAt(), now).compareTo(config.gcStaleAfter()) < 0) {
                    running = run.get();
                }
            }
            if (running == null) {
                return ids;
            }
            if (!running.runId().equals(waitingFor)) {
                waitingFor = running.runId();
                onWait.accept(waitingFor);
            }
            if (repository.clock.nanoTime() - startNanos > config.gcWaitTimeout().toNanos()) {
                throw new BackupException(BackupError.GC_BUSY, "waited " + config.gcWaitTimeout().toSeconds()
                        + " s for garbage collection " + running.runId() + " in " + repository.target.describe() + " to end",
                        "retry the backup later (it resumes where it stopped), or raise the wait limit");
            }
            try {
                Thread.sleep(config.gcPollInterval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackupException(BackupError.INTERRUPTED, "interrupted while waiting for garbage collection " + running.runId(),
                        "run the backup again with the same id to resume it", e);
            }
        }
    }
}
