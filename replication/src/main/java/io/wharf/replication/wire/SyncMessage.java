package io.wharf.replication.wire;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The requests synchronous replication adds (one record per {@link SyncMessageType}). Like
 * {@link Message}, records check their fields on construction; decoding never builds one from
 * invalid input. Replies are version-1 messages: {@link Message.Opened} answers {@link OpenFenced},
 * {@link Message.Reply} answers the rest ({@link Status#STALE_EPOCH} when the replica has seen a newer
 * epoch).
 */
public sealed interface SyncMessage {
    /** {@link OpenFenced}: create the volume (empty, {@code sizeBytes}) if the replica's pool lacks it. */
    int FLAG_CREATE = 4;

    long requestId();

    SyncMessageType type();

    /** Which region set {@link GetRegions} asks for. */
    enum RegionLog {
        /** Regions with writes not yet settled on every replica in sync (for reconciliation after a target crash). */
        ACTIVITY(1),
        /** Regions written while {@code peer} was out of sync (for its resync). */
        DIRTY(2);

        private final int code;

        RegionLog(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static RegionLog of(int code) {
            for (RegionLog log : values()) {
                if (log.code == code) {
                    return log;
                }
            }
            return null;
        }
    }

    /**
     * Opens volume {@code volumeId} at {@code epoch}. The replica refuses it with
     * {@link Status#STALE_EPOCH} when it has seen a higher epoch; otherwise it makes {@code epoch}
     * durable, refuses every request of a lower epoch from then on, waits for the requests of earlier
     * sessions still running, and answers {@link Message.Opened} with a handle that supersedes every
     * earlier handle of that volume. A replica smaller than {@code sizeBytes} (the volume grew while it
     * was away) grows to it first, as for {@link GrowVolume}; one created with {@link #FLAG_CREATE} has it.
     */
    record OpenFenced(long requestId, String volumeId, long epoch, long sizeBytes, boolean create) implements SyncMessage {
        public OpenFenced {
            checkName("volume id", volumeId);
            checkEpoch(epoch);
            if (sizeBytes < 0) {
                throw new IllegalArgumentException("size " + sizeBytes + " is negative");
            }
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.OPEN_FENCED;
        }
    }

    /** Asks for a region set; {@code peer} names the peer for {@link RegionLog#DIRTY}, and is null for the activity log. */
    record GetRegions(long requestId, int volumeHandle, long epoch, RegionLog log, String peer) implements SyncMessage {
        public GetRegions {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            Objects.requireNonNull(log, "log");
            if (log == RegionLog.DIRTY) {
                checkName("peer", peer);
            } else if (peer != null) {
                throw new IllegalArgumentException("the activity log names no peer");
            }
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.GET_REGIONS;
        }
    }

    /** Adds {@code regions} to the dirty map kept for {@code peer} (starting it if needed), durably before the reply. */
    record TrackPeer(long requestId, int volumeHandle, long epoch, String peer, RegionBits regions) implements SyncMessage {
        public TrackPeer {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkName("peer", peer);
            Objects.requireNonNull(regions, "regions");
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.TRACK_PEER;
        }
    }

    /** Drops the dirty map kept for {@code peer}. */
    record UntrackPeer(long requestId, int volumeHandle, long epoch, String peer) implements SyncMessage {
        public UntrackPeer {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkName("peer", peer);
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.UNTRACK_PEER;
        }
    }

    /** Removes {@code regions} from the activity log. */
    record SettleRegions(long requestId, int volumeHandle, long epoch, RegionBits regions) implements SyncMessage {
        public SettleRegions {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            Objects.requireNonNull(regions, "regions");
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.SETTLE_REGIONS;
        }
    }

    /**
     * Grows the volume to {@code sizeBytes}: the replica grows its copy, carries its activity log and
     * dirty maps to the grown region geometry and saves them before the reply; a replica already that
     * large answers at once. Region sets sent afterwards are of the grown geometry.
     */
    record GrowVolume(long requestId, int volumeHandle, long epoch, long sizeBytes) implements SyncMessage {
        public GrowVolume {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            if (sizeBytes <= 0) {
                throw new IllegalArgumentException("size " + sizeBytes + " is not positive");
            }
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.GROW_VOLUME;
        }
    }

    /**
     * Takes a snapshot of the replica's copy, stored under {@code snapshotId}, once the replica's storage
     * calls still running have finished; the target sends it with writes held and drained, so every
     * replica in sync snapshots the same contents.
     */
    record SnapshotVolume(long requestId, int volumeHandle, long epoch, String snapshotId) implements SyncMessage {
        public SnapshotVolume {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkName("snapshot id", snapshotId);
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.SNAPSHOT_VOLUME;
        }
    }

    /** Reverts the replica's copy to its snapshot {@code snapshotId}, once its storage calls running now have finished. */
    record RevertVolume(long requestId, int volumeHandle, long epoch, String snapshotId) implements SyncMessage {
        public RevertVolume {
            checkHandle(volumeHandle);
            checkEpoch(epoch);
            checkName("snapshot id", snapshotId);
        }

        @Override
        public SyncMessageType type() {
            return SyncMessageType.REVERT_VOLUME;
        }
    }

    private static void checkName(String what, String name) {
        Objects.requireNonNull(name, what);
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > FrameCodec.MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " must be 1 to " + FrameCodec.MAX_NAME_BYTES + " bytes of UTF-8: '" + name + "'");
        }
    }

    private static void checkHandle(int handle) {
        if (handle == 0) {
            throw new IllegalArgumentException("volume handle 0 is not a handle");
        }
    }

    private static void checkEpoch(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch + " is negative");
        }
    }
}
