package io.wharf.node;

import io.wharf.control.schedule.Schedule;
import io.wharf.core.Clock;
import io.wharf.core.WharfException;
import io.wharf.metadata.model.VolumeRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's periodic pass: settles operations the cluster store failed under, then takes and
 * prunes scheduled snapshots. Every tick it looks at each volume's schedule (its own or
 * its policy's): a rule is due when its next run after the rule's last snapshot (or after the
 * schedule was set) has come, so after downtime each rule runs once, not once per missed run.
 * The last run is derived from the snapshots in the store, so there is no state of its own.
 */
final class ScheduleController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScheduleController.class);

    private final VolumeService service;
    private final BackupService backups;
    private final Clock clock;
    private final Duration interval;
    private final Thread thread;
    private volatile boolean stopped;

    ScheduleController(VolumeService service, BackupService backups, Clock clock, Duration interval) {
        this.service = service;
        this.backups = backups;
        this.clock = clock;
        this.interval = interval;
        this.thread = Thread.ofPlatform().name("schedule-controller").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (!stopped) {
            try {
                tick(clock.now());
            } catch (RuntimeException e) {
                log.atWarn().setCause(e).log("schedule tick failed; retrying at the next tick");
            }
            LockSupport.parkNanos(interval.toNanos()); // the controller's period, not a wait for a condition
        }
    }

    /** One pass over every volume: takes what is due and prunes beyond each rule's keep; then the backups due. */
    void tick(Instant now) {
        service.settleIntents();
        if (backups != null) {
            try {
                backups.tick(now);
            } catch (RuntimeException e) {
                log.atWarn().setCause(e).log("backup schedule pass failed; retrying at the next tick");
            }
        }
        for (VolumeRecord volume : service.snapshotVolumes()) {
            Optional<Schedule> schedule;
            try {
                schedule = service.scheduleOf(volume);
            } catch (WharfException e) {
                log.atWarn().addKeyValue("volume", volume.name()).addKeyValue("error", e.getMessage()).log("schedule unreadable");
                continue;
            }
            if (schedule.isEmpty()) {
                continue;
            }
            Instant since = volume.scheduleSince() == null ? volume.createdAt() : volume.scheduleSince();
            for (Schedule.Rule rule : schedule.get().due(
                    r -> service.snapshots().lastRun(volume.name(), r.kind()).filter(t -> t.isAfter(since)).orElse(since),
                    now, ZoneOffset.UTC)) {
                try {
                    service.snapshots().takeScheduled(volume, rule.kind(), rule.keep());
                } catch (WharfException e) {
                    log.atWarn().addKeyValue("volume", volume.name()).addKeyValue("rule", rule.kind())
                            .addKeyValue("error", e.getMessage()).log("scheduled snapshot failed");
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            thread.join(Duration.ofSeconds(30));
        }
    }
}
