/**
 * Pooled, off-heap payload memory for NBD requests and replies.
 *
 * <p>A {@link io.wharf.nbd.buffer.BufferPool} hands out page-aligned direct buffers in nine
 * power-of-two size classes, 4 KiB to 1 MiB. A payload larger than 1 MiB is carried as several
 * 1 MiB buffers plus one smaller tail buffer (scatter/gather on the socket), so the pool never
 * needs a contiguous block bigger than 1 MiB and a mix of request sizes does not fragment it.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Bytes held by leases never exceed the pool's budget; a {@link io.wharf.nbd.buffer.Lease}
 *       reserves its whole size at once (all-or-nothing), so two readers each holding part of
 *       the budget can never wait on each other.</li>
 *   <li>Each connection also has its own budget, so one connection whose client stops reading
 *       replies cannot take the whole pool.</li>
 *   <li>Free buffers are kept for reuse up to a cache limit; beyond it their memory is returned
 *       to the operating system at once (each buffer lives in its own shared {@link
 *       java.lang.foreign.Arena}), so resident memory stays below budget plus cache.</li>
 *   <li>A buffer is owned by exactly one lease between acquire and release.</li>
 * </ul>
 */
package io.wharf.nbd.buffer;
