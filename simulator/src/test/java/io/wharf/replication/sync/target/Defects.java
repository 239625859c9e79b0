package io.wharf.replication.sync.target;

import java.util.function.Consumer;

/**
 * Test-only access to {@link Defect}: this class lives in the target's package (in the simulator's
 * test sources), so it can switch on a known bug in targets; production code cannot reach it.
 */
public final class Defects {
    private Defects() {}

    /** Every target acknowledges writes before the failed replica is recorded out of sync. */
    public static Consumer<ReplicatedVolume> ackBeforeMark() {
        return volume -> volume.inject(Defect.ACK_BEFORE_MARK);
    }

    /** Every target takes a replica's stale-epoch refusal for success. */
    public static Consumer<ReplicatedVolume> ignoreFencing() {
        return volume -> volume.inject(Defect.IGNORE_FENCING);
    }

    /** Every target's resyncs copy only the returning replica's activity log. */
    public static Consumer<ReplicatedVolume> resyncSkipsDirtyMap() {
        return volume -> volume.inject(Defect.RESYNC_SKIPS_DIRTY_MAP);
    }

    /** Every target's reverts revert only their primary and take the other holders back in sync unreverted. */
    public static Consumer<ReplicatedVolume> revertOnlyPrimary() {
        return volume -> volume.inject(Defect.REVERT_ONLY_PRIMARY);
    }
}
