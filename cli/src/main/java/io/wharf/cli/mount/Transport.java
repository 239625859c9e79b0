package io.wharf.cli.mount;

/** How a volume's NBD export becomes a local block device. */
public enum Transport {
    /** Kernel NBD when {@code /dev/nbd0} and {@code nbd-client} are present, else nbdfuse. */
    AUTO,
    /** {@code nbd-client} connects a {@code /dev/nbdN} device: the fast path. */
    KERNEL_NBD,
    /** {@code nbdfuse} presents the export as a file, and a loop device makes it a block device. */
    NBDFUSE
}
