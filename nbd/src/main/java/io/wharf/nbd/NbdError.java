package io.wharf.nbd;

/** NBD error values (Linux errno numbers, as the protocol defines them). */
public enum NbdError {
    EPERM(1),
    EIO(5),
    ENOMEM(12),
    EINVAL(22),
    ENOSPC(28),
    EOVERFLOW(75),
    ENOTSUP(95),
    ESHUTDOWN(108);

    private final int value;

    NbdError(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
