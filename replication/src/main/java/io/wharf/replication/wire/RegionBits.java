package io.wharf.replication.wire;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;

/**
 * A set of a volume's regions on the wire (activity log, dirty map): {@code regionCount} regions,
 * the members set in {@code bits}.
 *
 * <p>Encoding: u32 region count (at most {@link #MAX_REGIONS}), then {@code ceil(count / 8)} bytes,
 * region {@code i} in bit {@code i % 8} (least significant first) of byte {@code i / 8}; bits at or
 * past the count are zero. The optional form (reply to {@code GET_REGIONS}) is u8 present (0 or 1)
 * followed, when present, by the set.
 */
public record RegionBits(int regionCount, BitSet bits) {
    /**
     * Most regions of one volume: a set fits one payload with room for a peer name. With 1 MiB
     * regions that is 7.6 TiB; larger volumes take larger regions (see the replication README).
     */
    public static final int MAX_REGIONS = 8_000_000;

    public RegionBits {
        Objects.requireNonNull(bits, "bits");
        if (regionCount < 0 || regionCount > MAX_REGIONS) {
            throw new IllegalArgumentException("region count " + regionCount + " is out of range 0.." + MAX_REGIONS);
        }
        if (bits.length() > regionCount) {
            throw new IllegalArgumentException("region " + (bits.length() - 1) + " is past the count " + regionCount);
        }
        bits = (BitSet) bits.clone();
    }

    @Override
    public BitSet bits() {
        return (BitSet) bits.clone();
    }

    public static int encodedBytes(int regionCount) {
        return 4 + (regionCount + 7) / 8;
    }

    public int encodedBytes() {
        return encodedBytes(regionCount);
    }

    public void encodeTo(ByteBuffer out) {
        out.putInt(regionCount);
        byte[] bytes = bits.toByteArray(); // little-endian bit order, as the format says
        out.put(bytes);
        for (int i = bytes.length; i < (regionCount + 7) / 8; i++) {
            out.put((byte) 0);
        }
    }

    public ByteBuffer encode() {
        ByteBuffer out = ByteBuffer.allocate(encodedBytes());
        encodeTo(out);
        return out.flip();
    }

    /** Reads one set from {@code in}'s position, moving past it. */
    public static DecodeResult<RegionBits> read(ByteBuffer in) {
        if (in.remaining() < 4) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "region set: count missing");
        }
        long count = Integer.toUnsignedLong(in.getInt());
        if (count > MAX_REGIONS) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "region set of " + count + " regions; at most " + MAX_REGIONS);
        }
        int bytes = (int) ((count + 7) / 8);
        if (in.remaining() < bytes) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "region set of " + count + " regions needs " + bytes
                    + " bytes, " + in.remaining() + " present");
        }
        byte[] raw = new byte[bytes];
        in.get(raw);
        BitSet bits = BitSet.valueOf(raw);
        if (bits.length() > count) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "region " + (bits.length() - 1) + " set past the count " + count);
        }
        return new DecodeResult.Ok<>(new RegionBits((int) count, bits));
    }

    /** Decodes exactly the remaining bytes of {@code payload} (without moving its position). */
    public static DecodeResult<RegionBits> decode(ByteBuffer payload) {
        ByteBuffer in = payload.duplicate();
        DecodeResult<RegionBits> result = read(in);
        if (result instanceof DecodeResult.Ok<RegionBits> && in.hasRemaining()) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, in.remaining() + " bytes after the region set");
        }
        return result;
    }

    /** The reply payload of {@code GET_REGIONS}: absent when the replica keeps no such set. */
    public static ByteBuffer encodeOptional(Optional<RegionBits> regions) {
        ByteBuffer out = ByteBuffer.allocate(1 + regions.map(RegionBits::encodedBytes).orElse(0));
        out.put((byte) (regions.isPresent() ? 1 : 0));
        regions.ifPresent(set -> set.encodeTo(out));
        return out.flip();
    }

    public static DecodeResult<Optional<RegionBits>> decodeOptional(ByteBuffer payload) {
        ByteBuffer in = payload.duplicate();
        if (!in.hasRemaining()) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "region reply: presence byte missing");
        }
        int present = in.get();
        if (present == 0) {
            return in.hasRemaining() ? DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "bytes after an absent region set")
                    : new DecodeResult.Ok<>(Optional.empty());
        }
        if (present != 1) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "region reply presence byte " + present);
        }
        return switch (decode(in.slice())) {
            case DecodeResult.Ok<RegionBits>(RegionBits set) -> new DecodeResult.Ok<>(Optional.of(set));
            case DecodeResult.Malformed<RegionBits>(DecodeError error) -> new DecodeResult.Malformed<>(error);
            case DecodeResult.Incomplete<RegionBits>(int needed) -> new DecodeResult.Incomplete<>(needed);
        };
    }
}
