package io.wharf.replication.wire;

/**
 * The kinds of frame, with their stable wire numbers and which header fields each uses. The
 * table drives both encoding and the strict checks of decoding: a field a kind does not use must
 * be zero on the wire.
 *
 * <p>Number ranges: 0x01-0x0F session, 0x10-0x1F volume I/O, 0x20 reply, 0x40-0x7F reserved for
 * synchronous replication (epoch changes, dirty regions, resync copies, activity log). Numbers
 * are never reused.
 */
public enum MessageType {
    HELLO(0x01, 0, Fields.NONE, PayloadShape.STRUCTURED),
    HELLO_OK(0x02, 0, Fields.NONE, PayloadShape.STRUCTURED),
    OPEN(0x03, 0, Fields.EPOCH, PayloadShape.STRUCTURED),
    OPENED(0x04, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.STRUCTURED),
    CLOSE(0x05, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.NONE),
    READ(0x10, 0, Fields.HANDLE | Fields.EPOCH | Fields.RANGE, PayloadShape.NONE),
    WRITE(0x11, Message.FLAG_FUA, Fields.HANDLE | Fields.EPOCH | Fields.RANGE, PayloadShape.DATA),
    FLUSH(0x12, 0, Fields.HANDLE | Fields.EPOCH, PayloadShape.NONE),
    TRIM(0x13, Message.FLAG_FUA, Fields.HANDLE | Fields.EPOCH | Fields.RANGE, PayloadShape.NONE),
    WRITE_ZEROES(0x14, Message.FLAG_FUA | Message.FLAG_NO_HOLE, Fields.HANDLE | Fields.EPOCH | Fields.RANGE, PayloadShape.NONE),
    EXTENTS(0x15, 0, Fields.HANDLE | Fields.EPOCH | Fields.RANGE, PayloadShape.NONE),
    REPLY(0x20, 0, Fields.STATUS, PayloadShape.DATA);

    /** Which optional header fields a kind uses (bit set). */
    static final class Fields {
        static final int NONE = 0;
        static final int HANDLE = 1;
        static final int EPOCH = 2;
        /** offset and length */
        static final int RANGE = 4;
        static final int STATUS = 8;

        private Fields() {}
    }

    /** What the payload holds. */
    enum PayloadShape {
        /** no payload: payload length must be 0 */
        NONE,
        /** a small encoded body (ids, sizes), at most {@link FrameCodec#MAX_STRUCTURED_PAYLOAD_BYTES} */
        STRUCTURED,
        /** opaque bytes up to {@link FrameCodec#MAX_PAYLOAD_BYTES}, carried without copying */
        DATA
    }

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final int allowedFlags;
    private final int fields;
    private final PayloadShape payload;

    MessageType(int code, int allowedFlags, int fields, PayloadShape payload) {
        this.code = code;
        this.allowedFlags = allowedFlags;
        this.fields = fields;
        this.payload = payload;
    }

    /** The wire number (u16 on the wire; all numbers so far fit a byte). */
    public int code() {
        return code;
    }

    /** Flags this kind may carry; others must be clear. */
    public int allowedFlags() {
        return allowedFlags;
    }

    /** Whether this kind is sent by the side that asks (a request) rather than the one that answers. */
    public boolean isRequest() {
        return this != HELLO_OK && this != OPENED && this != REPLY;
    }

    boolean uses(int field) {
        return (fields & field) != 0;
    }

    PayloadShape payload() {
        return payload;
    }

    /** The kind with this wire number, or null if this version does not know it. */
    public static MessageType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
