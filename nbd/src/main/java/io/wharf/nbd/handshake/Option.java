package io.wharf.nbd.handshake;

/** Option types a client sends during option haggling (NBD_OPT_*). */
final class Option {
    static final int EXPORT_NAME = 1;
    static final int ABORT = 2;
    static final int LIST = 3;
    static final int STARTTLS = 5;
    static final int INFO = 6;
    static final int GO = 7;
    static final int STRUCTURED_REPLY = 8;
    static final int LIST_META_CONTEXT = 9;
    static final int SET_META_CONTEXT = 10;

    private Option() {}
}
