package io.wharf.replication.wire;

import io.wharf.replication.wire.MessageType.Fields;
import io.wharf.replication.wire.MessageType.PayloadShape;

/**
 * The synchronous-replication requests, numbered in the range 0x40-0x7F that version 1 reserved for
 * them. They are a family of their own ({@link SyncMessage}, {@link SyncFrameCodec}) beside
 * {@link MessageType}: the same header layout and rules, so a receiver that knows them looks at the
 * type code and picks the codec ({@link SyncFrameCodec#isSyncType}); a receiver that does not know
 * them refuses the frame as {@link DecodeError.Kind#UNKNOWN_TYPE}. Their answers are the version-1
 * {@code OPENED} and {@code REPLY}. 0x40 stays unassigned. Numbers are never reused.
 */
public enum SyncMessageType {
    /** Open at an epoch, fencing every lower one on the replica; answered by {@code OPENED}. */
    OPEN_FENCED(0x41, SyncMessage.FLAG_CREATE, Fields.EPOCH, PayloadShape.STRUCTURED),
    /** Ask for the activity log or the dirty map kept for a peer; the reply carries an optional {@link RegionBits}. */
    GET_REGIONS(0x42, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.STRUCTURED),
    /** Start (or extend) tracking the regions written while a peer is out of sync. */
    TRACK_PEER(0x43, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.DATA),
    /** Stop tracking a peer (it is in sync again, or left the replica set). */
    UNTRACK_PEER(0x44, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.STRUCTURED),
    /** Drop regions from the activity log: every replica in sync holds them, flushed. */
    SETTLE_REGIONS(0x45, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.DATA),
    /** Grow the replica's copy (and carry its region sets) to a larger size, durably before the reply. */
    GROW_VOLUME(0x46, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.STRUCTURED),
    /** Take a snapshot of the replica's copy under the given storage id (the target holds writes meanwhile). */
    SNAPSHOT_VOLUME(0x47, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.STRUCTURED),
    /** Revert the replica's copy to one of its snapshots (the target holds writes, and the others are out of sync meanwhile). */
    REVERT_VOLUME(0x48, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.STRUCTURED);

    /** First and last code of the range reserved for synchronous replication. */
    public static final int FIRST_CODE = 0x40;
    public static final int LAST_CODE = 0x7F;

    private static final SyncMessageType[] BY_CODE = new SyncMessageType[LAST_CODE + 1];

    static {
        for (SyncMessageType type : values()) {
            if (type.code < FIRST_CODE || type.code > LAST_CODE) {
                throw new AssertionError(type + " is outside the reserved range");
            }
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final int allowedFlags;
    private final int fields;
    private final PayloadShape payload;

    SyncMessageType(int code, int allowedFlags, int fields, PayloadShape payload) {
        this.code = code;
        this.allowedFlags = allowedFlags;
        this.fields = fields;
        this.payload = payload;
    }

    public int code() {
        return code;
    }

    public int allowedFlags() {
        return allowedFlags;
    }

    boolean uses(int field) {
        return (fields & field) != 0;
    }

    PayloadShape payload() {
        return payload;
    }

    /** The kind with this wire number, or null if this build does not know it. */
    public static SyncMessageType of(int code) {
        return code >= FIRST_CODE && code <= LAST_CODE ? BY_CODE[code] : null;
    }
}
