package io.wharf.storage.layer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The first 4 KiB of a layer file, written once when the layer is created and never again.
 * Little-endian:
 *
 * <pre>
 *  0  u64 magic "WHARFLYR"      8  u32 format version (1)   12 u32 block size (4096)
 * 16  u64 layer id (msb)       24  u64 layer id (lsb)
 * 32  u64 journal offset       40  u64 journal bytes        48 u64 data offset
 * 56  u32 CRC32C of bytes [0, 56); the rest of the block is zero
 * </pre>
 */
public record LayerHeader(UUID layerId, int blockBytes, long journalOffset, long journalBytes, long dataOffset) {
    public static final long MAGIC = 0x52594C4652414857L; // "WHARFLYR" little-endian
    public static final int FORMAT_VERSION = 1;
    public static final int BYTES = 4096;
    private static final int CHECKED_BYTES = 56;

    public ByteBuffer encode() {
        ByteBuffer out = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(MAGIC).putInt(FORMAT_VERSION).putInt(blockBytes)
                .putLong(layerId.getMostSignificantBits()).putLong(layerId.getLeastSignificantBits())
                .putLong(journalOffset).putLong(journalBytes).putLong(dataOffset);
        CRC32C crc = new CRC32C();
        crc.update(out.slice(0, CHECKED_BYTES));
        out.putInt((int) crc.getValue());
        return out.clear();
    }

    /** @return the header, or null when {@code in} does not hold a valid version 1 header */
    public static LayerHeader decode(ByteBuffer in) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(in.slice(0, CHECKED_BYTES));
        if ((int) crc.getValue() != in.getInt(CHECKED_BYTES) || in.getLong(0) != MAGIC
                || in.getInt(8) != FORMAT_VERSION) {
            return null;
        }
        return new LayerHeader(new UUID(in.getLong(16), in.getLong(24)), in.getInt(12), in.getLong(32),
                in.getLong(40), in.getLong(48));
    }
}
