/**
 * Wharf's NBD (Network Block Device) server: the protocol that qemu, the kernel's nbd client,
 * libnbd tools (nbdinfo, nbdcopy, nbdfuse) and fio use to reach a volume.
 *
 * <p>Entry points: {@link io.wharf.nbd.NbdServer} with an {@link io.wharf.nbd.NbdServerConfig},
 * serving the {@link io.wharf.nbd.NbdExport}s an {@link io.wharf.nbd.NbdExports} finds by name
 * (the volume name). Exports report failures as {@link io.wharf.nbd.NbdException} carrying an
 * {@link io.wharf.nbd.NbdError}. {@link io.wharf.nbd.GrowableExport} presents an export at a fixed
 * ceiling size and follows it as it grows, so a connected client can use new space without a
 * new handshake (online volume expansion).
 *
 * <p>Reading order: {@code handshake} (negotiation), {@code transmission} (requests and replies),
 * {@code buffer} (payload memory), {@code wire} (socket framing), {@code connection} (one
 * connection's life). The protocol is the one in NetworkBlockDevice/nbd {@code doc/proto.md};
 * this server implements fixed newstyle negotiation without TLS, NBD_OPT_GO/INFO, structured
 * replies, {@code base:allocation} block status, FUA, flush, trim, write zeroes with fast zero,
 * and advertises multi-connection consistency. Extended headers are refused.
 *
 * <p>Invariants: no input from a client can end the server or another connection; memory is
 * bounded by the configuration (connections, requests in flight, payload budget), never by a
 * length a client sends.
 */
package io.wharf.nbd;
