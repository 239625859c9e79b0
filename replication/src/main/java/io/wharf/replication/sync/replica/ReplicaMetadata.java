package io.wharf.replication.sync.replica;

import io.wharf.replication.sync.RegionSet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * What a replica keeps durable about its volume besides the data: the highest epoch it accepted,
 * its activity log, and a dirty map per peer it tracks.
 *
 * <p>Encoding (big-endian): magic "WRM1", u64 epoch, u32 region count, activity bitmap, u16 peer
 * count, per peer (u16 length + UTF-8 node id, bitmap), u32 CRC32C of everything before it. A
 * bitmap is {@code ceil(count / 8)} bytes, region {@code i} in bit {@code i % 8} of byte {@code i / 8}.
 */
public record ReplicaMetadata(long epoch, RegionSet activity, Map<String, RegionSet> tracked) {
    private static final int MAGIC = 0x57524d31;

    public ReplicaMetadata {
        Objects.requireNonNull(activity, "activity");
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch);
        }
        TreeMap<String, RegionSet> copy = new TreeMap<>();
        for (Map.Entry<String, RegionSet> entry : tracked.entrySet()) {
            if (entry.getValue().regionCount() != activity.regionCount()) {
                throw new IllegalArgumentException("dirty map of " + entry.getKey() + " has " + entry.getValue().regionCount()
                        + " regions");
            }
            copy.put(entry.getKey(), entry.getValue().copy());
        }
        activity = activity.copy();
        tracked = Collections.unmodifiableMap(copy);
    }

    /** A replica that never accepted an epoch and tracks nothing. */
    public static ReplicaMetadata fresh(int regionCount) {
        return new ReplicaMetadata(0, RegionSet.empty(regionCount), Map.of());
    }

    public byte[] encode() {
        int regions = activity.regionCount();
        int bitmapBytes = (regions + 7) / 8;
        int size = 4 + 8 + 4 + bitmapBytes + 2 + 4;
        for (String peer : tracked.keySet()) {
            size += 2 + peer.getBytes(StandardCharsets.UTF_8).length + bitmapBytes;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(MAGIC).putLong(epoch).putInt(regions);
        putBitmap(out, activity, bitmapBytes);
        out.putShort((short) tracked.size());
        tracked.forEach((peer, set) -> {
            byte[] name = peer.getBytes(StandardCharsets.UTF_8);
            out.putShort((short) name.length).put(name);
            putBitmap(out, set, bitmapBytes);
        });
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** Decodes {@link #encode}'s bytes; damaged or foreign bytes throw {@link IllegalArgumentException}. */
    public static ReplicaMetadata decode(byte[] bytes) {
        if (bytes.length < 4 + 8 + 4 + 2 + 4) {
            throw new IllegalArgumentException("replica metadata of " + bytes.length + " bytes is truncated");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt(bytes.length - 4) != (int) crc.getValue() || in.getInt() != MAGIC) {
            throw new IllegalArgumentException("replica metadata is damaged (checksum or magic)");
        }
        try {
            return decodeBody(in);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("replica metadata is truncated", e);
        }
    }

    private static ReplicaMetadata decodeBody(ByteBuffer in) {
        long epoch = in.getLong();
        int regions = in.getInt();
        int bitmapBytes = (regions + 7) / 8;
        RegionSet activity = getBitmap(in, regions, bitmapBytes);
        int peers = Short.toUnsignedInt(in.getShort());
        Map<String, RegionSet> tracked = new TreeMap<>();
        for (int i = 0; i < peers; i++) {
            byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
            in.get(name);
            tracked.put(new String(name, StandardCharsets.UTF_8), getBitmap(in, regions, bitmapBytes));
        }
        if (in.remaining() != 4) {
            throw new IllegalArgumentException("replica metadata has " + (in.remaining() - 4) + " unexpected bytes");
        }
        return new ReplicaMetadata(epoch, activity, tracked);
    }

    private static void putBitmap(ByteBuffer out, RegionSet set, int bitmapBytes) {
        byte[] bits = set.toBitSet().toByteArray();
        out.put(bits);
        for (int i = bits.length; i < bitmapBytes; i++) {
            out.put((byte) 0);
        }
    }

    private static RegionSet getBitmap(ByteBuffer in, int regions, int bitmapBytes) {
        byte[] raw = new byte[bitmapBytes];
        in.get(raw);
        return RegionSet.of(regions, BitSet.valueOf(raw));
    }
}
