/**
 * Byte framing on an NBD socket: exact-length, big-endian reads through a read-ahead buffer
 * ({@link io.wharf.nbd.wire.WireInput}) and complete gathering writes
 * ({@link io.wharf.nbd.wire.WireOutput}).
 *
 * <p>All NBD integers are unsigned and big-endian (network order); callers widen them
 * ({@link java.lang.Integer#toUnsignedLong(int)}) before comparing against limits.
 *
 * <p>Invariants: a read never asks the read-ahead buffer for more than its capacity, so a
 * length from the client can never size an allocation here; end of stream between messages is
 * reported as a value, end of stream inside a message as {@link java.io.EOFException}.
 */
package io.wharf.nbd.wire;
