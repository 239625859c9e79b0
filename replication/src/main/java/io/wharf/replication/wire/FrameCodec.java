package io.wharf.replication.wire;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Encodes {@link Message}s into frames and decodes frames back, per the format in the package
 * documentation. Pure and stateless: no sockets, threads or clock, safe from any thread.
 *
 * <p>Two ways to decode: {@link #decode} for a whole frame in one buffer, or {@link #decodeHeader}
 * then {@link #decodeBody} when the caller reads the payload itself (straight into a pooled buffer,
 * or the buffer a read will return in). Likewise two ways to encode: {@link #encode} copies the whole
 * frame; {@link #encodeHeader} writes only the header, and the caller sends {@link #payload} after it
 * with a gathering write, so data is never copied.
 *
 * <p>Bad input never throws: it gives {@link DecodeResult.Malformed} with a {@link DecodeError}.
 * Invalid arguments from the caller (a payload of the wrong length, a buffer too small) are bugs
 * and throw.
 */
public final class FrameCodec {
    /** "WHRP": Wharf replication protocol. */
    public static final int MAGIC = 0x57485250;
    /** The version this build speaks (and the only one it accepts outside Hello frames). */
    public static final int PROTOCOL_VERSION = 1;
    public static final int HEADER_BYTES = 56;
    /** Largest payload of any frame, and largest read or write: 1 MiB. Larger I/O is split by the sender. */
    public static final int MAX_PAYLOAD_BYTES = 1 << 20;
    /** Largest payload of Hello, HelloOk, Open and Opened. */
    public static final int MAX_STRUCTURED_PAYLOAD_BYTES = 1024;
    /** Largest range of trim, write zeroes and extents: the u32 length field. */
    public static final long MAX_RANGE_BYTES = 0xffff_ffffL;
    /** Largest cluster, node or volume id, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    static final int VERSION_AT = 4;
    static final int TYPE_AT = 6;
    static final int FLAGS_AT = 8;
    static final int STATUS_AT = 10;
    static final int HANDLE_AT = 12;
    static final int REQUEST_ID_AT = 16;
    static final int EPOCH_AT = 24;
    static final int OFFSET_AT = 32;
    static final int LENGTH_AT = 40;
    static final int PAYLOAD_LENGTH_AT = 44;
    static final int PAYLOAD_CHECKSUM_AT = 48;
    static final int HEADER_CHECKSUM_AT = 52;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private FrameCodec() {}

    /** Header fields of a message other than request id and payload. */
    private record Fields(int version, int flags, Status status, int handle, long epoch, long offset, long length) {
        static Fields session(int version) {
            return new Fields(version, 0, Status.OK, 0, 0, 0, 0);
        }

        static Fields volume(int handle, long epoch) {
            return new Fields(PROTOCOL_VERSION, 0, Status.OK, handle, epoch, 0, 0);
        }

        static Fields range(int flags, int handle, long epoch, long offset, long length) {
            return new Fields(PROTOCOL_VERSION, flags, Status.OK, handle, epoch, offset, length);
        }
    }

    // --- encoding ---

    /** Bytes {@link #encode} writes for {@code message}. */
    public static int frameBytes(Message message) {
        return HEADER_BYTES + payload(message).remaining();
    }

    /** Writes the whole frame (header and payload) at {@code dst}'s position and moves past it. */
    public static void encode(Message message, ByteBuffer dst) {
        ByteBuffer payload = payload(message);
        writeHeader(message, payload, dst);
        dst.put(payload);
    }

    /**
     * Writes only the header (with the payload's checksum) at {@code dst}'s position and moves past
     * it; the caller sends {@link #payload(Message)} right after.
     */
    public static void encodeHeader(Message message, ByteBuffer dst) {
        writeHeader(message, payload(message), dst);
    }

    /**
     * The payload bytes of {@code message}, from position 0: a view of the data of a Write or Reply
     * (not a copy), a new buffer for the structured payloads, empty otherwise.
     */
    public static ByteBuffer payload(Message message) {
        return switch (message) {
            case Message.Hello hello -> names(hello.clusterId(), hello.nodeId());
            case Message.HelloOk ok -> names(ok.clusterId(), ok.nodeId());
            case Message.Open open -> names(open.volumeId());
            case Message.Opened opened -> ByteBuffer.allocate(12).putLong(opened.sizeBytes()).putInt(opened.blockSizeBytes()).flip();
            case Message.Write write -> write.data().slice();
            case Message.Reply reply -> reply.payload().slice();
            case Message.Close _, Message.Read _, Message.Flush _, Message.Trim _, Message.WriteZeroes _, Message.Extents _ ->
                    EMPTY.duplicate();
        };
    }

    /** CRC32C of the remaining bytes (position unchanged), as sent in headers. */
    public static int checksum(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate());
        return (int) crc.getValue();
    }

    private static Fields fields(Message message) {
        return switch (message) {
            case Message.Hello hello -> Fields.session(hello.protocolVersion());
            case Message.HelloOk ok -> Fields.session(ok.protocolVersion());
            case Message.Open open -> new Fields(PROTOCOL_VERSION, 0, Status.OK, 0, open.epoch(), 0, 0);
            case Message.Opened opened -> Fields.volume(opened.volumeHandle(), opened.epoch());
            case Message.Close close -> Fields.volume(close.volumeHandle(), close.epoch());
            case Message.Read read -> Fields.range(0, read.volumeHandle(), read.epoch(), read.offset(), read.length());
            case Message.Write write -> Fields.range(write.fua() ? Message.FLAG_FUA : 0, write.volumeHandle(), write.epoch(),
                    write.offset(), write.length());
            case Message.Flush flush -> Fields.volume(flush.volumeHandle(), flush.epoch());
            case Message.Trim trim -> Fields.range(trim.fua() ? Message.FLAG_FUA : 0, trim.volumeHandle(), trim.epoch(),
                    trim.offset(), trim.length());
            case Message.WriteZeroes zeroes -> Fields.range((zeroes.fua() ? Message.FLAG_FUA : 0)
                    | (zeroes.mayPunchHole() ? 0 : Message.FLAG_NO_HOLE), zeroes.volumeHandle(), zeroes.epoch(),
                    zeroes.offset(), zeroes.length());
            case Message.Extents extents -> Fields.range(0, extents.volumeHandle(), extents.epoch(), extents.offset(),
                    extents.length());
            case Message.Reply reply -> new Fields(PROTOCOL_VERSION, 0, reply.status(), 0, 0, 0, 0);
        };
    }

    private static void writeHeader(Message message, ByteBuffer payload, ByteBuffer dst) {
        Fields fields = fields(message);
        putHeader(dst, fields.version(), message.type().code(), fields.flags(), fields.status().code(), fields.handle(),
                message.requestId(), fields.epoch(), fields.offset(), fields.length(), payload);
    }

    /** Writes a header in the frozen layout, with the payload's and its own checksum (shared with {@link SyncFrameCodec}). */
    static void putHeader(ByteBuffer dst, int version, int typeCode, int flags, int statusCode, int handle, long requestId,
                          long epoch, long offset, long length, ByteBuffer payload) {
        int start = dst.position();
        dst.putInt(MAGIC)
                .putShort((short) version)
                .putShort((short) typeCode)
                .putShort((short) flags)
                .putShort((short) statusCode)
                .putInt(handle)
                .putLong(requestId)
                .putLong(epoch)
                .putLong(offset)
                .putInt((int) length)
                .putInt(payload.remaining())
                .putInt(checksum(payload));
        dst.putInt(checksum(dst.slice(start, HEADER_CHECKSUM_AT)));
    }

    private static ByteBuffer names(String... names) {
        int bytes = 0;
        for (String name : names) {
            bytes += Strings.encodedBytes(name);
        }
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        for (String name : names) {
            Strings.write(buffer, name);
        }
        return buffer.flip();
    }

    // --- decoding ---

    /**
     * Decodes a whole frame at {@code src}'s position. On success {@code src} moves past the frame
     * and the message's data (Write, Reply) is a view of {@code src}; otherwise nothing is consumed.
     */
    public static DecodeResult<Message> decode(ByteBuffer src) {
        ByteBuffer view = src.duplicate();
        return switch (decodeHeader(view)) {
            case DecodeResult.Incomplete<FrameHeader>(int needed) -> new DecodeResult.Incomplete<>(needed);
            case DecodeResult.Malformed<FrameHeader>(DecodeError error) -> new DecodeResult.Malformed<>(error);
            case DecodeResult.Ok<FrameHeader>(FrameHeader header) -> {
                int frameBytes = HEADER_BYTES + header.payloadLength();
                if (src.remaining() < frameBytes) {
                    yield new DecodeResult.Incomplete<>(frameBytes);
                }
                DecodeResult<Message> body = decodeBody(header, src.slice(src.position() + HEADER_BYTES, header.payloadLength()));
                if (body instanceof DecodeResult.Ok<Message>) {
                    src.position(src.position() + frameBytes);
                }
                yield body;
            }
        };
    }

    /**
     * Decodes and verifies the header at {@code src}'s position: magic, header checksum, version,
     * type, flags, and every field against its type and the limits. On success {@code src} moves past
     * the header; otherwise nothing is consumed.
     */
    public static DecodeResult<FrameHeader> decodeHeader(ByteBuffer src) {
        int at = src.position();
        if (src.remaining() >= 4 && src.getInt(at) != MAGIC) { // refuse garbage as soon as it shows
            return DecodeResult.malformed(DecodeError.Kind.BAD_MAGIC, "magic 0x" + Integer.toHexString(src.getInt(at)));
        }
        if (src.remaining() < HEADER_BYTES) {
            return new DecodeResult.Incomplete<>(HEADER_BYTES);
        }
        int headerChecksum = src.getInt(at + HEADER_CHECKSUM_AT);
        int computed = checksum(src.slice(at, HEADER_CHECKSUM_AT));
        if (headerChecksum != computed) {
            return DecodeResult.malformed(DecodeError.Kind.HEADER_CHECKSUM, "header CRC32C 0x" + Integer.toHexString(headerChecksum)
                    + ", computed 0x" + Integer.toHexString(computed));
        }
        int version = Short.toUnsignedInt(src.getShort(at + VERSION_AT));
        int typeCode = Short.toUnsignedInt(src.getShort(at + TYPE_AT));
        MessageType type = MessageType.of(typeCode);
        boolean hello = type == MessageType.HELLO || type == MessageType.HELLO_OK;
        if (version != PROTOCOL_VERSION && !(hello && version >= 1)) {
            return DecodeResult.malformed(DecodeError.Kind.UNSUPPORTED_VERSION, "protocol version " + version
                    + "; this node speaks " + PROTOCOL_VERSION);
        }
        if (type == null) {
            return DecodeResult.malformed(DecodeError.Kind.UNKNOWN_TYPE, "message type 0x" + Integer.toHexString(typeCode));
        }
        FrameHeader header = new FrameHeader(version, type,
                Short.toUnsignedInt(src.getShort(at + FLAGS_AT)),
                Status.of(Short.toUnsignedInt(src.getShort(at + STATUS_AT))),
                src.getInt(at + HANDLE_AT),
                src.getLong(at + REQUEST_ID_AT),
                src.getLong(at + EPOCH_AT),
                src.getLong(at + OFFSET_AT),
                Integer.toUnsignedLong(src.getInt(at + LENGTH_AT)),
                src.getInt(at + PAYLOAD_LENGTH_AT),
                src.getInt(at + PAYLOAD_CHECKSUM_AT));
        DecodeError error = check(header, Short.toUnsignedInt(src.getShort(at + STATUS_AT)));
        if (error != null) {
            return new DecodeResult.Malformed<>(error);
        }
        src.position(at + HEADER_BYTES);
        return new DecodeResult.Ok<>(header);
    }

    /** Checks every field of a header whose checksum matched against its type; null when valid. */
    private static DecodeError check(FrameHeader header, int statusCode) {
        MessageType type = header.type();
        if ((header.flags() & ~type.allowedFlags()) != 0) {
            return new DecodeError(DecodeError.Kind.BAD_FLAGS, "flags 0x" + Integer.toHexString(header.flags())
                    + " are not valid for " + type);
        }
        if (type.uses(MessageType.Fields.STATUS) ? header.status() == null : statusCode != 0) {
            return badField(type, "status " + statusCode);
        }
        if (type.uses(MessageType.Fields.HANDLE) ? header.volumeHandle() == 0 : header.volumeHandle() != 0) {
            return badField(type, "volume handle " + Integer.toUnsignedString(header.volumeHandle()));
        }
        if (type.uses(MessageType.Fields.EPOCH) ? header.epoch() < 0 : header.epoch() != 0) {
            return badField(type, "epoch " + Long.toUnsignedString(header.epoch()));
        }
        long offset = header.offset();
        long length = header.length();
        if (type.uses(MessageType.Fields.RANGE) ? offset < 0 || offset > Long.MAX_VALUE - length : offset != 0 || length != 0) {
            return badField(type, "range " + Long.toUnsignedString(offset) + " +" + length);
        }
        long payloadLength = Integer.toUnsignedLong(header.payloadLength());
        if (payloadLength > MAX_PAYLOAD_BYTES) {
            return new DecodeError(DecodeError.Kind.LENGTH_OVER_LIMIT, "payload of " + payloadLength + " bytes; at most "
                    + MAX_PAYLOAD_BYTES);
        }
        switch (type.payload()) {
            case NONE -> {
                if (payloadLength != 0) {
                    return badField(type, "payload of " + payloadLength + " bytes where none is allowed");
                }
            }
            case STRUCTURED -> {
                if (payloadLength > MAX_STRUCTURED_PAYLOAD_BYTES) {
                    return new DecodeError(DecodeError.Kind.LENGTH_OVER_LIMIT, type + " payload of " + payloadLength
                            + " bytes; at most " + MAX_STRUCTURED_PAYLOAD_BYTES);
                }
            }
            case DATA -> { }
        }
        if (type == MessageType.READ && length > MAX_PAYLOAD_BYTES) {
            return new DecodeError(DecodeError.Kind.LENGTH_OVER_LIMIT, "read of " + length + " bytes; at most " + MAX_PAYLOAD_BYTES);
        }
        if (type == MessageType.WRITE && length != payloadLength) {
            return badField(type, "length " + length + " but payload of " + payloadLength + " bytes");
        }
        return null;
    }

    private static DecodeError badField(MessageType type, String what) {
        return new DecodeError(DecodeError.Kind.BAD_FIELD, what + " is not valid for " + type);
    }

    /**
     * Verifies the payload's checksum and decodes the message of a header from
     * {@link #decodeHeader}. {@code payload}'s remaining bytes must be exactly the header's payload
     * length; it is not moved, and the message's data (Write, Reply) is a view of it.
     *
     * @throws IllegalArgumentException if {@code payload} does not have the header's length (a bug of the caller)
     */
    public static DecodeResult<Message> decodeBody(FrameHeader header, ByteBuffer payload) {
        if (payload.remaining() != header.payloadLength()) {
            throw new IllegalArgumentException("payload of " + payload.remaining() + " bytes for a header announcing "
                    + header.payloadLength());
        }
        int computed = checksum(payload);
        if (computed != header.payloadChecksum()) {
            return DecodeResult.malformed(DecodeError.Kind.PAYLOAD_CHECKSUM, header.type() + " payload CRC32C 0x"
                    + Integer.toHexString(header.payloadChecksum()) + ", computed 0x" + Integer.toHexString(computed));
        }
        ByteBuffer in = payload.slice();
        long id = header.requestId();
        int handle = header.volumeHandle();
        long epoch = header.epoch();
        long offset = header.offset();
        long length = header.length();
        boolean fua = header.hasFlag(Message.FLAG_FUA);
        return switch (header.type()) {
            case HELLO, HELLO_OK -> decodeHello(header, in);
            case OPEN -> {
                DecodeResult<String> volume = readName(in, "volume id");
                if (!(volume instanceof DecodeResult.Ok<String>(String volumeId))) {
                    yield cast(volume);
                }
                yield in.hasRemaining() ? trailing(header, in) : ok(new Message.Open(id, volumeId, epoch));
            }
            case OPENED -> {
                if (in.remaining() != 12) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "OPENED payload of " + in.remaining() + " bytes; 12 expected");
                }
                long sizeBytes = in.getLong();
                int blockSize = in.getInt();
                if (sizeBytes < 0 || blockSize <= 0) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "OPENED size " + sizeBytes + " block size " + blockSize);
                }
                yield ok(new Message.Opened(id, handle, epoch, sizeBytes, blockSize));
            }
            case CLOSE -> ok(new Message.Close(id, handle, epoch));
            case READ -> ok(new Message.Read(id, handle, epoch, offset, (int) length));
            case WRITE -> ok(new Message.Write(id, handle, epoch, offset, in, fua));
            case FLUSH -> ok(new Message.Flush(id, handle, epoch));
            case TRIM -> ok(new Message.Trim(id, handle, epoch, offset, length, fua));
            case WRITE_ZEROES -> ok(new Message.WriteZeroes(id, handle, epoch, offset, length,
                    !header.hasFlag(Message.FLAG_NO_HOLE), fua));
            case EXTENTS -> ok(new Message.Extents(id, handle, epoch, offset, length));
            case REPLY -> {
                if (header.status() != Status.OK && ErrorDetail.decode(in) instanceof DecodeResult.Malformed<ErrorDetail>(DecodeError e)) {
                    yield new DecodeResult.Malformed<>(e);
                }
                yield ok(new Message.Reply(id, header.status(), in));
            }
        };
    }

    private static DecodeResult<Message> decodeHello(FrameHeader header, ByteBuffer in) {
        DecodeResult<String> cluster = readName(in, "cluster id");
        if (!(cluster instanceof DecodeResult.Ok<String>(String clusterId))) {
            return cast(cluster);
        }
        DecodeResult<String> node = readName(in, "node id");
        if (!(node instanceof DecodeResult.Ok<String>(String nodeId))) {
            return cast(node);
        }
        if (in.hasRemaining()) {
            return trailing(header, in);
        }
        return ok(header.type() == MessageType.HELLO
                ? new Message.Hello(header.requestId(), header.version(), clusterId, nodeId)
                : new Message.HelloOk(header.requestId(), header.version(), clusterId, nodeId));
    }

    static DecodeResult<String> readName(ByteBuffer in, String what) {
        DecodeResult<String> name = Strings.read(in, MAX_NAME_BYTES, what);
        if (name instanceof DecodeResult.Ok<String>(String value) && value.isEmpty()) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, what + " is empty");
        }
        return name;
    }

    private static DecodeResult<Message> trailing(FrameHeader header, ByteBuffer in) {
        return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, in.remaining() + " bytes after the " + header.type() + " body");
    }

    /** A failed string read as a failed message decode. */
    private static DecodeResult<Message> cast(DecodeResult<String> failed) {
        return switch (failed) {
            case DecodeResult.Malformed<String>(DecodeError error) -> new DecodeResult.Malformed<>(error);
            case DecodeResult.Incomplete<String>(int needed) -> new DecodeResult.Incomplete<>(needed);
            case DecodeResult.Ok<String> ok -> throw new IllegalArgumentException("not a failure: " + ok);
        };
    }

    private static DecodeResult<Message> ok(Message message) {
        return new DecodeResult.Ok<>(message);
    }
}
