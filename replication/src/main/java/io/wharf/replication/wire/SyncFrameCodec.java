package io.wharf.replication.wire;

import io.wharf.replication.wire.MessageType.Fields;
import java.nio.ByteBuffer;

/**
 * Encodes and decodes the {@link SyncMessage} frames: the same 56-byte header and rules as
 * {@link FrameCodec} (version {@value FrameCodec#PROTOCOL_VERSION}, checks in the same order, typed
 * {@link DecodeError}s, never an exception on bad input), with the type codes of
 * {@link SyncMessageType}. A receiver reads the header's type code with {@link #typeCode} and hands the
 * frame to this codec when {@link #isSyncType} says so, to {@link FrameCodec} otherwise.
 *
 * <p>Payloads: {@code OPEN_FENCED} string volume id + u64 size bytes; {@code GET_REGIONS} u8 log
 * (1 activity, 2 dirty) + for dirty the peer string; {@code TRACK_PEER} peer string + {@link RegionBits};
 * {@code UNTRACK_PEER} peer string; {@code SETTLE_REGIONS} {@link RegionBits}; {@code GROW_VOLUME} u64 size
 * bytes; {@code SNAPSHOT_VOLUME} and {@code REVERT_VOLUME} snapshot id string.
 */
public final class SyncFrameCodec {
    private SyncFrameCodec() {}

    /** The type code of the frame header at {@code frame}'s position, or -1 if fewer than 8 bytes are there. */
    public static int typeCode(ByteBuffer frame) {
        return frame.remaining() < FrameCodec.TYPE_AT + 2 ? -1 : Short.toUnsignedInt(frame.getShort(frame.position() + FrameCodec.TYPE_AT));
    }

    /** Whether a type code belongs to the synchronous-replication range (this codec's, known or not). */
    public static boolean isSyncType(int code) {
        return code >= SyncMessageType.FIRST_CODE && code <= SyncMessageType.LAST_CODE;
    }

    // --- encoding ---

    public static int frameBytes(SyncMessage message) {
        return FrameCodec.HEADER_BYTES + payload(message).remaining();
    }

    public static void encode(SyncMessage message, ByteBuffer dst) {
        ByteBuffer payload = payload(message);
        writeHeader(message, payload, dst);
        dst.put(payload);
    }

    public static ByteBuffer encode(SyncMessage message) {
        ByteBuffer frame = ByteBuffer.allocate(frameBytes(message));
        encode(message, frame);
        return frame.flip();
    }

    public static void encodeHeader(SyncMessage message, ByteBuffer dst) {
        writeHeader(message, payload(message), dst);
    }

    /** The payload bytes of {@code message}, from position 0 (a new buffer). */
    public static ByteBuffer payload(SyncMessage message) {
        return switch (message) {
            case SyncMessage.OpenFenced open -> {
                ByteBuffer out = ByteBuffer.allocate(Strings.encodedBytes(open.volumeId()) + 8);
                Strings.write(out, open.volumeId());
                yield out.putLong(open.sizeBytes()).flip();
            }
            case SyncMessage.GetRegions get -> {
                ByteBuffer out = ByteBuffer.allocate(1 + (get.peer() == null ? 0 : Strings.encodedBytes(get.peer())));
                out.put((byte) get.log().code());
                if (get.peer() != null) {
                    Strings.write(out, get.peer());
                }
                yield out.flip();
            }
            case SyncMessage.TrackPeer track -> {
                ByteBuffer out = ByteBuffer.allocate(Strings.encodedBytes(track.peer()) + track.regions().encodedBytes());
                Strings.write(out, track.peer());
                track.regions().encodeTo(out);
                yield out.flip();
            }
            case SyncMessage.UntrackPeer untrack -> {
                ByteBuffer out = ByteBuffer.allocate(Strings.encodedBytes(untrack.peer()));
                Strings.write(out, untrack.peer());
                yield out.flip();
            }
            case SyncMessage.SettleRegions settle -> settle.regions().encode();
            case SyncMessage.GrowVolume grow -> ByteBuffer.allocate(8).putLong(grow.sizeBytes()).flip();
            case SyncMessage.SnapshotVolume snapshot -> {
                ByteBuffer out = ByteBuffer.allocate(Strings.encodedBytes(snapshot.snapshotId()));
                Strings.write(out, snapshot.snapshotId());
                yield out.flip();
            }
            case SyncMessage.RevertVolume revert -> {
                ByteBuffer out = ByteBuffer.allocate(Strings.encodedBytes(revert.snapshotId()));
                Strings.write(out, revert.snapshotId());
                yield out.flip();
            }
        };
    }

    private static void writeHeader(SyncMessage message, ByteBuffer payload, ByteBuffer dst) {
        if (payload.remaining() > FrameCodec.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(message.type() + " payload of " + payload.remaining() + " bytes is over the limit");
        }
        int flags = 0;
        int handle = 0;
        long epoch = switch (message) {
            case SyncMessage.OpenFenced open -> {
                flags = open.create() ? SyncMessage.FLAG_CREATE : 0;
                yield open.epoch();
            }
            case SyncMessage.GetRegions get -> {
                handle = get.volumeHandle();
                yield get.epoch();
            }
            case SyncMessage.TrackPeer track -> {
                handle = track.volumeHandle();
                yield track.epoch();
            }
            case SyncMessage.UntrackPeer untrack -> {
                handle = untrack.volumeHandle();
                yield untrack.epoch();
            }
            case SyncMessage.SettleRegions settle -> {
                handle = settle.volumeHandle();
                yield settle.epoch();
            }
            case SyncMessage.GrowVolume grow -> {
                handle = grow.volumeHandle();
                yield grow.epoch();
            }
            case SyncMessage.SnapshotVolume snapshot -> {
                handle = snapshot.volumeHandle();
                yield snapshot.epoch();
            }
            case SyncMessage.RevertVolume revert -> {
                handle = revert.volumeHandle();
                yield revert.epoch();
            }
        };
        FrameCodec.putHeader(dst, FrameCodec.PROTOCOL_VERSION, message.type().code(), flags, 0, handle, message.requestId(),
                epoch, 0, 0, payload);
    }

    // --- decoding ---

    /** A whole frame at {@code src}'s position; on success {@code src} moves past it, otherwise nothing is consumed. */
    public static DecodeResult<SyncMessage> decode(ByteBuffer src) {
        ByteBuffer view = src.duplicate();
        return switch (decodeHeader(view)) {
            case DecodeResult.Incomplete<SyncFrameHeader>(int needed) -> new DecodeResult.Incomplete<>(needed);
            case DecodeResult.Malformed<SyncFrameHeader>(DecodeError error) -> new DecodeResult.Malformed<>(error);
            case DecodeResult.Ok<SyncFrameHeader>(SyncFrameHeader header) -> {
                int frameBytes = FrameCodec.HEADER_BYTES + header.payloadLength();
                if (src.remaining() < frameBytes) {
                    yield new DecodeResult.Incomplete<>(frameBytes);
                }
                DecodeResult<SyncMessage> body = decodeBody(header, src.slice(src.position() + FrameCodec.HEADER_BYTES,
                        header.payloadLength()));
                if (body instanceof DecodeResult.Ok<SyncMessage>) {
                    src.position(src.position() + frameBytes);
                }
                yield body;
            }
        };
    }

    /** Decodes and verifies a header of a synchronous-replication request; on success {@code src} moves past it. */
    public static DecodeResult<SyncFrameHeader> decodeHeader(ByteBuffer src) {
        int at = src.position();
        if (src.remaining() >= 4 && src.getInt(at) != FrameCodec.MAGIC) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_MAGIC, "magic 0x" + Integer.toHexString(src.getInt(at)));
        }
        if (src.remaining() < FrameCodec.HEADER_BYTES) {
            return new DecodeResult.Incomplete<>(FrameCodec.HEADER_BYTES);
        }
        int headerChecksum = src.getInt(at + FrameCodec.HEADER_CHECKSUM_AT);
        int computed = FrameCodec.checksum(src.slice(at, FrameCodec.HEADER_CHECKSUM_AT));
        if (headerChecksum != computed) {
            return DecodeResult.malformed(DecodeError.Kind.HEADER_CHECKSUM, "header CRC32C 0x" + Integer.toHexString(headerChecksum)
                    + ", computed 0x" + Integer.toHexString(computed));
        }
        int version = Short.toUnsignedInt(src.getShort(at + FrameCodec.VERSION_AT));
        if (version != FrameCodec.PROTOCOL_VERSION) {
            return DecodeResult.malformed(DecodeError.Kind.UNSUPPORTED_VERSION, "protocol version " + version
                    + "; this node speaks " + FrameCodec.PROTOCOL_VERSION);
        }
        int typeCode = Short.toUnsignedInt(src.getShort(at + FrameCodec.TYPE_AT));
        SyncMessageType type = SyncMessageType.of(typeCode);
        if (type == null) {
            return DecodeResult.malformed(DecodeError.Kind.UNKNOWN_TYPE, "message type 0x" + Integer.toHexString(typeCode));
        }
        SyncFrameHeader header = new SyncFrameHeader(type,
                Short.toUnsignedInt(src.getShort(at + FrameCodec.FLAGS_AT)),
                src.getInt(at + FrameCodec.HANDLE_AT),
                src.getLong(at + FrameCodec.REQUEST_ID_AT),
                src.getLong(at + FrameCodec.EPOCH_AT),
                src.getInt(at + FrameCodec.PAYLOAD_LENGTH_AT),
                src.getInt(at + FrameCodec.PAYLOAD_CHECKSUM_AT));
        DecodeError error = check(header, Short.toUnsignedInt(src.getShort(at + FrameCodec.STATUS_AT)),
                src.getLong(at + FrameCodec.OFFSET_AT), Integer.toUnsignedLong(src.getInt(at + FrameCodec.LENGTH_AT)));
        if (error != null) {
            return new DecodeResult.Malformed<>(error);
        }
        src.position(at + FrameCodec.HEADER_BYTES);
        return new DecodeResult.Ok<>(header);
    }

    private static DecodeError check(SyncFrameHeader header, int statusCode, long offset, long length) {
        SyncMessageType type = header.type();
        if ((header.flags() & ~type.allowedFlags()) != 0) {
            return new DecodeError(DecodeError.Kind.BAD_FLAGS, "flags 0x" + Integer.toHexString(header.flags()) + " are not valid for " + type);
        }
        if (statusCode != 0) {
            return badField(type, "status " + statusCode);
        }
        if (type.uses(Fields.HANDLE) ? header.volumeHandle() == 0 : header.volumeHandle() != 0) {
            return badField(type, "volume handle " + Integer.toUnsignedString(header.volumeHandle()));
        }
        if (header.epoch() < 0) {
            return badField(type, "epoch " + Long.toUnsignedString(header.epoch()));
        }
        if (offset != 0 || length != 0) {
            return badField(type, "range " + Long.toUnsignedString(offset) + " +" + length);
        }
        long payloadLength = Integer.toUnsignedLong(header.payloadLength());
        if (payloadLength > FrameCodec.MAX_PAYLOAD_BYTES) {
            return new DecodeError(DecodeError.Kind.LENGTH_OVER_LIMIT, "payload of " + payloadLength + " bytes; at most "
                    + FrameCodec.MAX_PAYLOAD_BYTES);
        }
        if (type.payload() == MessageType.PayloadShape.STRUCTURED && payloadLength > FrameCodec.MAX_STRUCTURED_PAYLOAD_BYTES) {
            return new DecodeError(DecodeError.Kind.LENGTH_OVER_LIMIT, type + " payload of " + payloadLength + " bytes; at most "
                    + FrameCodec.MAX_STRUCTURED_PAYLOAD_BYTES);
        }
        return null;
    }

    private static DecodeError badField(SyncMessageType type, String what) {
        return new DecodeError(DecodeError.Kind.BAD_FIELD, what + " is not valid for " + type);
    }

    /**
     * Verifies the payload's checksum and decodes the body of a header from {@link #decodeHeader};
     * {@code payload}'s remaining bytes must be exactly the header's payload length.
     */
    public static DecodeResult<SyncMessage> decodeBody(SyncFrameHeader header, ByteBuffer payload) {
        if (payload.remaining() != header.payloadLength()) {
            throw new IllegalArgumentException("payload of " + payload.remaining() + " bytes for a header announcing "
                    + header.payloadLength());
        }
        int computed = FrameCodec.checksum(payload);
        if (computed != header.payloadChecksum()) {
            return DecodeResult.malformed(DecodeError.Kind.PAYLOAD_CHECKSUM, header.type() + " payload CRC32C 0x"
                    + Integer.toHexString(header.payloadChecksum()) + ", computed 0x" + Integer.toHexString(computed));
        }
        ByteBuffer in = payload.slice();
        long id = header.requestId();
        int handle = header.volumeHandle();
        long epoch = header.epoch();
        return switch (header.type()) {
            case OPEN_FENCED -> {
                if (!(FrameCodec.readName(in, "volume id") instanceof DecodeResult.Ok<String>(String volumeId))) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "OPEN_FENCED: bad volume id");
                }
                if (in.remaining() != 8) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "OPEN_FENCED: " + in.remaining() + " bytes where the size (8) belongs");
                }
                long size = in.getLong();
                if (size < 0) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "OPEN_FENCED: size " + size);
                }
                yield ok(new SyncMessage.OpenFenced(id, volumeId, epoch, size, header.hasFlag(SyncMessage.FLAG_CREATE)));
            }
            case GET_REGIONS -> {
                if (!in.hasRemaining()) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "GET_REGIONS: log missing");
                }
                SyncMessage.RegionLog log = SyncMessage.RegionLog.of(in.get());
                if (log == null) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "GET_REGIONS: unknown log");
                }
                String peer = null;
                if (log == SyncMessage.RegionLog.DIRTY) {
                    if (!(FrameCodec.readName(in, "peer") instanceof DecodeResult.Ok<String>(String name))) {
                        yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "GET_REGIONS: bad peer");
                    }
                    peer = name;
                }
                yield in.hasRemaining() ? trailing(header, in) : ok(new SyncMessage.GetRegions(id, handle, epoch, log, peer));
            }
            case TRACK_PEER -> {
                if (!(FrameCodec.readName(in, "peer") instanceof DecodeResult.Ok<String>(String peer))) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "TRACK_PEER: bad peer");
                }
                yield switch (RegionBits.decode(in.slice())) {
                    case DecodeResult.Ok<RegionBits>(RegionBits regions) -> ok(new SyncMessage.TrackPeer(id, handle, epoch, peer, regions));
                    case DecodeResult.Malformed<RegionBits>(DecodeError error) -> new DecodeResult.Malformed<>(error);
                    case DecodeResult.Incomplete<RegionBits> incomplete -> throw new AssertionError(incomplete);
                };
            }
            case UNTRACK_PEER -> {
                if (!(FrameCodec.readName(in, "peer") instanceof DecodeResult.Ok<String>(String peer))) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "UNTRACK_PEER: bad peer");
                }
                yield in.hasRemaining() ? trailing(header, in) : ok(new SyncMessage.UntrackPeer(id, handle, epoch, peer));
            }
            case SETTLE_REGIONS -> switch (RegionBits.decode(in)) {
                case DecodeResult.Ok<RegionBits>(RegionBits regions) -> ok(new SyncMessage.SettleRegions(id, handle, epoch, regions));
                case DecodeResult.Malformed<RegionBits>(DecodeError error) -> new DecodeResult.Malformed<>(error);
                case DecodeResult.Incomplete<RegionBits> incomplete -> throw new AssertionError(incomplete);
            };
            case GROW_VOLUME -> {
                if (in.remaining() != 8) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "GROW_VOLUME: " + in.remaining()
                            + " bytes where the size (8) belongs");
                }
                long size = in.getLong();
                yield size <= 0 ? DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "GROW_VOLUME: size " + size)
                        : ok(new SyncMessage.GrowVolume(id, handle, epoch, size));
            }
            case SNAPSHOT_VOLUME -> {
                if (!(FrameCodec.readName(in, "snapshot id") instanceof DecodeResult.Ok<String>(String snapshotId))) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "SNAPSHOT_VOLUME: bad snapshot id");
                }
                yield in.hasRemaining() ? trailing(header, in) : ok(new SyncMessage.SnapshotVolume(id, handle, epoch, snapshotId));
            }
            case REVERT_VOLUME -> {
                if (!(FrameCodec.readName(in, "snapshot id") instanceof DecodeResult.Ok<String>(String snapshotId))) {
                    yield DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "REVERT_VOLUME: bad snapshot id");
                }
                yield in.hasRemaining() ? trailing(header, in) : ok(new SyncMessage.RevertVolume(id, handle, epoch, snapshotId));
            }
        };
    }

    private static DecodeResult<SyncMessage> trailing(SyncFrameHeader header, ByteBuffer in) {
        return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, in.remaining() + " bytes after the " + header.type() + " body");
    }

    private static DecodeResult<SyncMessage> ok(SyncMessage message) {
        return new DecodeResult.Ok<>(message);
    }
}
