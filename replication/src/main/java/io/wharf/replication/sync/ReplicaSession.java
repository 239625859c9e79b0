package io.wharf.replication.sync;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A volume opened on one replica at one epoch (wire: a handle from {@code OPEN_FENCED}). Every call
 * completes exactly once, on the caller's scheduler, with {@link Outcome.Ok}, {@link
 * Outcome.StaleEpoch} or {@link Outcome.Failed}.
 *
 * <p><b>Contract the environment keeps:</b> a session never outlives the replica's process or the
 * link it was opened on. Once either is gone, every call on it fails; it never succeeds on a later
 * incarnation of the replica (which may have lost writes it acknowledged but had not flushed). The
 * replica side enforces the rest: a newer open supersedes the session, a newer epoch fences it.
 */
public interface ReplicaSession {
    String nodeId();

    long epoch();

    void read(long offset, int length, Completion<ByteBuffer> done);

    /**
     * Writes all of {@code data}'s remaining bytes. The caller leaves the buffer unchanged until the
     * completion or until it closes the session (a replica written off after a failure: the regions
     * of its writes in flight are then tracked for a resync, so what it does with the buffer after
     * that does not matter). An implementation may therefore write straight from it.
     */
    void write(long offset, ByteBuffer data, boolean fua, Completion<Void> done);

    /** The range reads zeros afterwards. */
    void trim(long offset, long length, boolean fua, Completion<Void> done);

    /** Every write and trim this replica completed before the call is durable when it completes. */
    void flush(Completion<Void> done);

    /**
     * The replica's activity log ({@code peer} null), or the dirty map it keeps for {@code peer}
     * (empty when it keeps none).
     */
    void regions(RegionLog log, String peer, Completion<Optional<RegionSet>> done);

    /** Adds {@code regions} to the dirty map kept for {@code peer}, starting it if needed; durable on completion. */
    void track(String peer, RegionSet regions, Completion<Void> done);

    /** Drops the dirty map kept for {@code peer}. */
    void untrack(String peer, Completion<Void> done);

    /** Removes {@code regions} from the activity log. */
    void settle(RegionSet regions, Completion<Void> done);

    /**
     * Grows the replica's copy to {@code sizeBytes} and carries its activity log and dirty maps to the
     * grown geometry ({@link RegionGeometry#grown}), durably before the completion; nothing when it
     * is that large already. Region sets sent afterwards must be of the grown geometry.
     */
    void grow(long sizeBytes, Completion<Void> done);

    /**
     * Takes a snapshot of the replica's copy under {@code snapshotId} (storage calls still running
     * finish first). The target sends it with its writes held and drained, so the snapshots of the
     * replicas in sync hold the same bytes.
     */
    void snapshot(String snapshotId, Completion<Void> done);

    /** Reverts the replica's copy to its snapshot {@code snapshotId} (storage calls still running finish first). */
    void revert(String snapshotId, Completion<Void> done);

    /** Gives the session up; calls still running complete (or fail) as they will. */
    void close();
}
