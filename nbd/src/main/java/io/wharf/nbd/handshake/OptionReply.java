package io.wharf.nbd.handshake;

/** Reply types of option haggling (NBD_REP_*); errors have bit 31 set. */
final class OptionReply {
    static final long MAGIC = 0x3e889045565a9L;

    static final int ACK = 1;
    static final int SERVER = 2;
    static final int INFO = 3;
    static final int META_CONTEXT = 4;

    static final int ERR_UNSUP = 0x8000_0001;
    static final int ERR_POLICY = 0x8000_0002;
    static final int ERR_INVALID = 0x8000_0003;
    static final int ERR_UNKNOWN = 0x8000_0006;
    static final int ERR_TOO_BIG = 0x8000_0009;

    /** NBD_INFO_* item types inside an NBD_REP_INFO reply. */
    static final int INFO_EXPORT = 0;
    static final int INFO_NAME = 1;
    static final int INFO_DESCRIPTION = 2;
    static final int INFO_BLOCK_SIZE = 3;

    private OptionReply() {}
}
