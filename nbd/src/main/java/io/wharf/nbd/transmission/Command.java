package io.wharf.nbd.transmission;

/** Request types and command flags of the transmission phase, and reply constants. */
final class Command {
    static final int REQUEST_MAGIC = 0x25609513;
    static final int REQUEST_BYTES = 28;

    static final int READ = 0;
    static final int WRITE = 1;
    static final int DISC = 2;
    static final int FLUSH = 3;
    static final int TRIM = 4;
    static final int WRITE_ZEROES = 6;
    static final int BLOCK_STATUS = 7;

    static final int FLAG_FUA = 1;
    static final int FLAG_NO_HOLE = 1 << 1;
    static final int FLAG_REQ_ONE = 1 << 3;
    static final int FLAG_FAST_ZERO = 1 << 4;

    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int SIMPLE_REPLY_BYTES = 16;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    static final int CHUNK_HEADER_BYTES = 20;
    static final int REPLY_FLAG_DONE = 1;
    static final int CHUNK_NONE = 0;
    static final int CHUNK_OFFSET_DATA = 1;
    static final int CHUNK_BLOCK_STATUS = 5;
    static final int CHUNK_ERROR = 0x8001;

    static final int STATE_HOLE = 1;
    static final int STATE_ZERO = 1 << 1;

    private Command() {}

    static String name(int type) {
        return switch (type) {
            case READ -> "NBD_CMD_READ";
            case WRITE -> "NBD_CMD_WRITE";
            case DISC -> "NBD_CMD_DISC";
            case FLUSH -> "NBD_CMD_FLUSH";
            case TRIM -> "NBD_CMD_TRIM";
            case WRITE_ZEROES -> "NBD_CMD_WRITE_ZEROES";
            case BLOCK_STATUS -> "NBD_CMD_BLOCK_STATUS";
            default -> "command " + type;
        };
    }
}
