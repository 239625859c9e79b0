package io.wharf.replication.sync.target;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Versioned;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * One change of the record by compare-and-set: {@code change} is applied to the newest record known
 * and applied again after a conflict as long as the epoch is still the target's (another epoch fences
 * it). A call without an answer may have been committed, so the record is read again before the next
 * attempt; after {@code storeAttempts} unanswered attempts the target fails. A change that would break
 * the record's invariants now is given up ({@code INVALID_ARGUMENT}). Given up means {@code failed} is
 * completed (when not null); the caller decides what that costs.
 */
final class RecordUpdate {
    private final ReplicatedVolume volume;
    private final String what;
    private final UnaryOperator<ReplicationRecord> change;
    private final Consumer<ReplicationRecord> committed;
    private final Completion<?> failed;
    private int attempts;
    private int conflicts;

    RecordUpdate(ReplicatedVolume volume, String what, UnaryOperator<ReplicationRecord> change, Consumer<ReplicationRecord> committed,
                 Completion<?> failed) {
        this.volume = volume;
        this.what = what;
        this.change = change;
        this.committed = committed;
        this.failed = failed;
    }

    void attempt() {
        if (volume.phase != ReplicatedVolume.Phase.SERVING && volume.phase != ReplicatedVolume.Phase.ATTACHING) {
            giveUp(volume.phaseFailure());
            return;
        }
        Versioned<ReplicationRecord> base = volume.record;
        ReplicationRecord next;
        try {
            next = change.apply(base.value());
        } catch (IllegalArgumentException e) { // the change would break the record's invariants now
            giveUp(Outcome.failed(ErrorCode.INVALID_ARGUMENT, what + " is not possible now: " + e.getMessage()));
            return;
        }
        if (next.equals(base.value())) {
            committed.accept(next);
            return;
        }
        volume.store.compareAndSet(volume.volumeId, base.revision(), next, volume.deadline("store: " + what, outcome -> {
            switch (outcome) {
                case Outcome.Ok<CasResult>(CasResult.Committed(long revision)) -> {
                    if (revision > volume.record.revision()) {
                        volume.record = new Versioned<>(next, revision);
                    }
                    committed.accept(next);
                }
                case Outcome.Ok<CasResult>(CasResult.Conflict(Versioned<ReplicationRecord> current)) -> {
                    if (!adopt(current)) {
                        return;
                    }
                    if (++conflicts > 100) {
                        volume.fail("record of " + volume.volumeId + " keeps changing under " + what);
                        giveUp(volume.phaseFailure());
                        return;
                    }
                    attempt();
                }
                case Outcome.StaleEpoch<CasResult> stale -> {
                    volume.fence("store: epoch " + stale.epoch());
                    giveUp(volume.phaseFailure());
                }
                case Outcome.Failed<CasResult> unanswered -> retryLater(unanswered.message());
            }
        }));
    }

    /** Takes a newer record; false (and fenced) if its epoch is no longer ours. */
    private boolean adopt(Versioned<ReplicationRecord> current) {
        if (current.value().epoch() != volume.epoch) {
            volume.fence("the record of " + volume.volumeId + " is at epoch " + current.value().epoch() + ", attached to "
                    + current.value().target());
            giveUp(volume.phaseFailure());
            return false;
        }
        if (current.revision() > volume.record.revision()) {
            volume.record = current;
        }
        return true;
    }

    private void retryLater(String why) {
        if (++attempts >= volume.config.storeAttempts()) {
            volume.fail("cluster store unreachable for " + what + ": " + why);
            giveUp(volume.phaseFailure());
            return;
        }
        volume.scheduler.schedule(volume.config.storeRetryNanos(), () -> volume.store.read(volume.volumeId, volume.deadline("store: read " + volume.volumeId, read -> {
            switch (read) {
                case Outcome.Ok<Versioned<ReplicationRecord>>(Versioned<ReplicationRecord> current) -> {
                    if (adopt(current)) {
                        attempt();
                    }
                }
                case Outcome.StaleEpoch<Versioned<ReplicationRecord>> stale -> {
                    volume.fence("store: epoch " + stale.epoch());
                    giveUp(volume.phaseFailure());
                }
                case Outcome.Failed<Versioned<ReplicationRecord>> unanswered -> retryLater(unanswered.message());
            }
        })));
    }

    @SuppressWarnings("unchecked")
    private void giveUp(Outcome<?> why) {
        if (failed != null) {
            ((Completion<Object>) failed).complete((Outcome<Object>) why);
        }
    }
}
