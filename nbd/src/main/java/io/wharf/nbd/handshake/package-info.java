/**
 * NBD handshake: fixed newstyle negotiation and option haggling, up to the moment the
 * connection enters the transmission phase.
 *
 * <p>Wire format (all integers big-endian):
 * <pre>
 * S: u64 NBDMAGIC 0x4e42444d41474943, u64 IHAVEOPT 0x49484156454f5054, u16 handshake flags
 *    (FIXED_NEWSTYLE | NO_ZEROES)
 * C: u32 client flags (only FIXED_NEWSTYLE and NO_ZEROES; anything else closes the connection)
 * repeat:
 *   C: u64 IHAVEOPT, u32 option, u32 length, length bytes of data
 *   S: u64 0x3e889045565a9, u32 option, u32 reply type, u32 length, data   (one or more)
 * until NBD_OPT_EXPORT_NAME (answered with u64 size, u16 transmission flags, 124 zero bytes
 * unless NO_ZEROES), NBD_OPT_GO answered with NBD_REP_ACK, or NBD_OPT_ABORT.
 * </pre>
 *
 * <p>Supported options: EXPORT_NAME, ABORT, LIST, STARTTLS (refused with ERR_POLICY: this server
 * has no TLS), INFO and GO (INFO_EXPORT, INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE with minimum
 * 1, preferred 4096, maximum = the configured payload limit), STRUCTURED_REPLY,
 * LIST_META_CONTEXT and SET_META_CONTEXT with the one context {@code base:allocation}. Any other
 * option, including EXTENDED_HEADERS, gets ERR_UNSUP.
 *
 * <p>Invariants: option data is read only after its length has been checked against
 * {@link io.wharf.nbd.handshake.Handshake#MAX_OPTION_BYTES} (larger options get ERR_TOO_BIG and the
 * connection is closed: skipping gigabytes would be a denial of service); strings (export names,
 * queries) are at most 4096 bytes of valid UTF-8 without NUL; a client may send at most
 * {@link io.wharf.nbd.handshake.Handshake#MAX_OPTIONS} options per connection.
 */
package io.wharf.nbd.handshake;
