package io.wharf.replication.sync.replica;

import io.wharf.replication.sync.RegionGeometry;
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
 * What a replica keeps durable about its volume besides the data: the size its region sets are cut
 * for, the highest epoch it accepted, its activity log, and a dirty map per peer it tracks.
 *
 * <p>Encoding (big-endian): magic "WRM2", u64 size bytes, u64 epoch, u32 region count, activity
 * bitmap, u16 peer count, per peer (u16 length + UTF-8 node id, bitmap), u32 CRC32C of everything
 * before it. A bitmap is {@code ceil(count / 8)} bytes, region {@code i} in bit {@code i % 8} of byte
 * {@code i / 8}. The first format, "WRM1", had no size (the volume's size was the metadata's); it is
 * still read.
 *
 * <p>The size matters when a volume grows: the replica grows its copy first and saves metadata cut
 * for the new size second, so after a crash in between the copy is larger than the metadata says,
 * and the size tells which regions the saved sets mean.
 */
public record ReplicaMetadata(long sizeBytes, long epoch, RegionSet activity, Map<String, RegionSet> tracked) {
    private static final int MAGIC = 0x57524d32;
    private static final int MAGIC_WITHOUT_SIZE = 0x57524d31;

    public ReplicaMetadata {
        Objects.requireNonNull(activity, "activity");
        if (epoch < 0 || sizeBytes <= 0) {
            throw new IllegalArgumentException("epoch " + epoch + ", size " + sizeBytes);
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
    public static ReplicaMetadata fresh(RegionGeometry geometry) {
        return new ReplicaMetadata(geometry.sizeBytes(), 0, geometry.emptySet(), Map.of());
    }

    /**
     * The geometry the saved sets are cut for, with {@code preferredRegionBytes} as configured.
     *
     * @throws IllegalArgumentException when the sets do not fit it (the region size was configured differently)
     */
    public RegionGeometry geometry(int preferredRegionBytes) {
        RegionGeometry geometry = RegionGeometry.of(sizeBytes, preferredRegionBytes);
        if (geometry.regionCount() != activity.regionCount()) {
            throw new IllegalArgumentException("metadata of " + activity.regionCount() + " regions does not fit a volume of "
                    + sizeBytes + " bytes with regions of " + preferredRegionBytes + " bytes (" + geometry.regionCount() + " regions)");
        }
        return geometry;
    }

    public byte[] encode() {
        int regions = activity.regionCount();
        int bitmapBytes = (regions + 7) / 8;
        int size = 4 + 8 + 8 + 4 + bitmapBytes + 2 + 4;
        for (String peer : tracked.keySet()) {
            size += 2 + peer.getBytes(StandardCharsets.UTF_8).length + bitmapBytes;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(MAGIC).putLong(sizeBytes).putLong(epoch).putInt(regions);
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

    /**
     * Decodes {@link #encode}'s bytes; damaged or foreign bytes throw {@link IllegalArgumentException}.
     *
     * @param volumeBytes the size of the replica's copy, which is the metadata's in the first format
     */
    public static ReplicaMetadata decode(byte[] bytes, long volumeBytes) {
        if (bytes.length < 4 + 8 + 4 + 2 + 4) {
            throw new IllegalArgumentException("replica metadata of " + bytes.length + " bytes is truncated");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int magic = in.getInt();
        if (in.getInt(bytes.length - 4) != (int) crc.getValue() || magic != MAGIC && magic != MAGIC_WITHOUT_SIZE) {
            throw new IllegalArgumentException("replica metadata is damaged (checksum or magic)");
        }
        try {
            return decodeBody(in, magic == MAGIC ? in.getLong() : volumeBytes);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("replica metadata is truncated", e);
        }
    }

    private static ReplicaMetadata decodeBody(ByteBuffer in, long sizeBytes) {
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
        return new ReplicaMetadata(sizeBytes, epoch, activity, tracked);
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
