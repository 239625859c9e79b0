package io.wharf.storage.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The codec of one journal record. Little-endian; each record starts at a multiple of {@value
 * #ALIGN_BYTES} bytes from the start of the ring, so appending never rewrites a sector that holds an
 * earlier record.
 *
 * <pre>
 * offset size
 *  0      4   magic 0x4E524A57 ("WJRN")
 *  4      4   CRC32C of bytes [8, recordLength)
 *  8      8   generation (changes at every checkpoint; older records are stale)
 * 16      8   sequence (consecutive within a generation, continuing across generations)
 * 24      4   entry count n
 * 28      4   record length = 32 + 16 n
 * 32   16 n   entries: block u64 | state u8 | 3 zero bytes | data CRC32C u32 (DATA only, else 0)
 * </pre>
 */
public final class JournalRecord {
    public static final int MAGIC = 0x4E524A57;
    public static final int HEADER_BYTES = 32;
    public static final int ENTRY_BYTES = 16;
    public static final int ALIGN_BYTES = 512;

    private JournalRecord() {}

    public static int length(int entries) {
        return HEADER_BYTES + entries * ENTRY_BYTES;
    }

    /** Bytes of ring the record takes, padding included. */
    public static long footprint(int entries) {
        return align(length(entries));
    }

    public static long align(long bytes) {
        return (bytes + ALIGN_BYTES - 1) & -ALIGN_BYTES;
    }

    /** Encodes into {@code out} from position 0; on return {@code out} is flipped for writing. */
    public static void encode(ByteBuffer out, long generation, long sequence, JournalBatch batch) {
        int length = length(batch.size());
        assert out.capacity() >= length;
        out.clear().order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(0).putLong(generation).putLong(sequence).putInt(batch.size()).putInt(length);
        for (int i = 0; i < batch.size(); i++) {
            out.putLong(batch.block(i)).put((byte) batch.state(i)).put((byte) 0).putShort((short) 0)
                    .putInt(batch.state(i) == BlockState.DATA ? batch.dataCrc(i) : 0);
        }
        out.flip();
        CRC32C crc = new CRC32C();
        crc.update(out.slice(8, length - 8));
        out.putInt(4, (int) crc.getValue());
    }

    /**
     * Decodes the header at the start of {@code header} (at least 32 bytes) and returns the record
     * length, or -1 when the header cannot start a valid record of {@code generation} and
     * {@code sequence} that fits in {@code available} bytes.
     */
    public static int headerLength(ByteBuffer header, long generation, long sequence, long available) {
        header.order(ByteOrder.LITTLE_ENDIAN);
        if (header.getInt(0) != MAGIC || header.getLong(8) != generation || header.getLong(16) != sequence) {
            return -1;
        }
        int count = header.getInt(24);
        int length = header.getInt(28);
        if (count < 0 || count > (Integer.MAX_VALUE - HEADER_BYTES) / ENTRY_BYTES || length != length(count)
                || length > available) {
            return -1;
        }
        return length;
    }

    /** Verifies the checksum of a whole record and appends its entries to {@code into}; false if torn. */
    public static boolean decode(ByteBuffer record, JournalBatch into) {
        record.order(ByteOrder.LITTLE_ENDIAN);
        int length = record.getInt(28);
        CRC32C crc = new CRC32C();
        crc.update(record.slice(8, length - 8));
        if ((int) crc.getValue() != record.getInt(4)) {
            return false;
        }
        int count = record.getInt(24);
        for (int i = 0; i < count; i++) {
            int at = HEADER_BYTES + i * ENTRY_BYTES;
            int state = record.get(at + 8);
            if (!BlockState.valid(state)) {
                return false;
            }
            into.add(record.getLong(at), state, record.getInt(at + 12));
        }
        return true;
    }
}
