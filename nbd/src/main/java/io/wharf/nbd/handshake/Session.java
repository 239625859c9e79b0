package io.wharf.nbd.handshake;

import io.wharf.nbd.NbdExport;

/**
 * What a successful handshake agreed: the export, its size as the client saw it (requests are
 * checked against this size even if the export grows), the transmission flags sent, whether
 * structured replies are on, and whether {@code base:allocation} was selected for this export.
 */
public record Session(
        NbdExport export,
        String exportName,
        long sizeBytes,
        int transmissionFlags,
        boolean structuredReplies,
        boolean allocationContext) implements Negotiation {

    /** The id this server gives {@code base:allocation} in NBD_OPT_SET_META_CONTEXT replies. */
    public static final int ALLOCATION_CONTEXT_ID = 1;

    public Session {
        if (allocationContext && !structuredReplies) {
            throw new IllegalArgumentException("a metadata context needs structured replies");
        }
    }

    public boolean readOnly() {
        return (transmissionFlags & ExportFlags.READ_ONLY) != 0;
    }
}
