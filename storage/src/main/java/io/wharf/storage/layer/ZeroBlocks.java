package io.wharf.storage.layer;

import java.nio.ByteBuffer;

/** One shared read-only MiB of zeros, sliced for zero fills and zero writes; never copied per I/O. */
final class ZeroBlocks {
    static final int BYTES = 1024 * 1024;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(BYTES).asReadOnlyBuffer();
    static final int BLOCK_CRC = crcOfZeroBlock();

    private ZeroBlocks() {}

    /** A fresh read-only view of {@code length <= 1 MiB} zero bytes. */
    static ByteBuffer slice(int length) {
        return ZEROS.slice(0, length);
    }

    /** Puts {@code length} zero bytes into {@code dst} at its position. */
    static void fill(ByteBuffer dst, int length) {
        while (length > 0) {
            int n = Math.min(length, BYTES);
            dst.put(ZEROS.slice(0, n));
            length -= n;
        }
    }

    private static int crcOfZeroBlock() {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(new byte[LayerFile.BLOCK_BYTES]);
        return (int) crc.getValue();
    }
}
