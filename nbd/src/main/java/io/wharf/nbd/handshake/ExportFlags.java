package io.wharf.nbd.handshake;

import io.wharf.nbd.NbdExport;

/**
 * Transmission flags (16 bits) sent for an export at the end of the handshake: what the client
 * may ask for during transmission.
 */
public final class ExportFlags {
    public static final int HAS_FLAGS = 1;
    public static final int READ_ONLY = 1 << 1;
    public static final int SEND_FLUSH = 1 << 2;
    public static final int SEND_FUA = 1 << 3;
    public static final int SEND_TRIM = 1 << 5;
    public static final int SEND_WRITE_ZEROES = 1 << 6;
    public static final int CAN_MULTI_CONN = 1 << 8;
    public static final int SEND_FAST_ZERO = 1 << 11;

    private ExportFlags() {}

    /**
     * CAN_MULTI_CONN is always set: the storage behind every export makes a flush cover writes
     * completed on any connection. A read-only export does not offer trim or zeroing.
     */
    public static int forExport(NbdExport export) {
        int flags = HAS_FLAGS | SEND_FLUSH | SEND_FUA | CAN_MULTI_CONN;
        if (export.readOnly()) {
            return flags | READ_ONLY;
        }
        return flags | SEND_TRIM | SEND_WRITE_ZEROES | SEND_FAST_ZERO;
    }
}
