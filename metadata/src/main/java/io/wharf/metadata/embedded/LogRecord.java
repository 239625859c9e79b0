package io.wharf.metadata.embedded;

import io.wharf.metadata.Bytes;
import io.wharf.metadata.Op;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One committed write transaction as the log stores it: the revision and the changes that
 * took effect (puts, and deletes of keys that existed), in op order. Replaying the records in
 * order onto the snapshot reproduces the key space exactly, counters included.
 *
 * <p>Records travel in frames; one frame is exactly what one forced write appended (a group
 * commit's records), which is what lets recovery tell a torn tail from corruption.
 *
 * <pre>
 * frame   := length:u32 crc:u32 payload          crc = CRC32C(length bytes ++ payload)
 * payload := record+                             revisions consecutive
 * record  := revision:u64 count:u32 op*count
 * op      := 1:u8 keyLength:u32 key valueLength:u32 value leaseId:u64     (put)
 *          | 2:u8 keyLength:u32 key                                      (delete)
 * </pre>
 * All integers big-endian.
 */
record LogRecord(long revision, List<Op> ops) {
    static final int FRAME_HEADER_BYTES = 8;
    /** No legitimate frame is this large; a length above it is corruption, not a big write. */
    static final int MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
    /** The smallest possible record: header and one delete of a one-byte key. */
    static final int MIN_RECORD_BYTES = 8 + 4 + 1 + 4 + 1;
    private static final byte PUT = 1;
    private static final byte DELETE = 2;

    LogRecord {
        ops = List.copyOf(ops);
        if (revision <= 0 || ops.isEmpty()) {
            throw new IllegalArgumentException("log record needs a positive revision and at least one op: "
                    + revision + ", " + ops.size() + " ops");
        }
    }

    /** The record's size inside a frame; a long, so an oversized transaction can be refused by size. */
    long size() {
        long size = 8 + 4;
        for (Op op : ops) {
            size += switch (op) {
                case Op.Put put -> 1 + 4 + put.key().length() + 4 + put.value().length() + 8;
                case Op.Delete delete -> 1 + 4 + delete.key().length();
            };
        }
        return size;
    }

    /** The records as one frame, ready to write (position 0, limit = frame size). */
    static ByteBuffer frame(List<LogRecord> records) {
        long total = 0;
        for (LogRecord record : records) {
            total += record.size();
        }
        if (records.isEmpty() || total > MAX_PAYLOAD_BYTES) {
            throw new IllegalStateException("frame of " + records.size() + " records and " + total + " bytes");
        }
        int payloadBytes = (int) total;
        ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER_BYTES + payloadBytes);
        frame.putInt(payloadBytes).putInt(0);
        for (LogRecord record : records) {
            record.writeTo(frame);
        }
        assert !frame.hasRemaining() : "frame size miscounted";
        frame.putInt(4, checksum(payloadBytes, frame.array(), FRAME_HEADER_BYTES, payloadBytes));
        return frame.flip();
    }

    /** CRC32C over the 4 length bytes and the payload, so a torn length is caught too. */
    static int checksum(int payloadBytes, byte[] payload, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(4).putInt(0, payloadBytes));
        crc.update(payload, offset, length);
        return (int) crc.getValue();
    }

    /**
     * The records of a frame payload whose checksum has been verified.
     *
     * @throws IllegalStateException if it does not decode: a bug or corruption, never a torn write
     */
    static List<LogRecord> unframe(ByteBuffer payload) {
        List<LogRecord> records = new ArrayList<>();
        try {
            while (payload.hasRemaining()) {
                records.add(readFrom(payload));
            }
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new IllegalStateException("malformed log frame: " + e, e);
        }
        return records;
    }

    private void writeTo(ByteBuffer out) {
        out.putLong(revision).putInt(ops.size());
        for (Op op : ops) {
            switch (op) {
                case Op.Put put -> {
                    out.put(PUT);
                    putBytes(out, put.key());
                    putBytes(out, put.value());
                    out.putLong(put.leaseId());
                }
                case Op.Delete delete -> {
                    out.put(DELETE);
                    putBytes(out, delete.key());
                }
            }
        }
    }

    private static LogRecord readFrom(ByteBuffer in) {
        long revision = in.getLong();
        int count = in.getInt();
        if (count <= 0 || count > in.remaining()) {
            throw new IllegalStateException("op count " + count + " is impossible");
        }
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte tag = in.get();
            ops.add(switch (tag) {
                case PUT -> new Op.Put(getBytes(in), getBytes(in), in.getLong());
                case DELETE -> new Op.Delete(getBytes(in));
                default -> throw new IllegalStateException("unknown op tag " + tag);
            });
        }
        return new LogRecord(revision, ops);
    }

    private static void putBytes(ByteBuffer out, Bytes bytes) {
        out.putInt(bytes.length()).put(bytes.asReadOnlyBuffer());
    }

    private static Bytes getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalStateException("byte string length " + length + " is impossible");
        }
        Bytes bytes = Bytes.of(in.slice(in.position(), length));
        in.position(in.position() + length);
        return bytes;
    }
}
