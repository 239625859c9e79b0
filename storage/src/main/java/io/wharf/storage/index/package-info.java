/**
 * The merged in-memory extent index of a volume's layer chain ({@link
 * io.wharf.storage.index.ExtentIndex}): one 16-bit {@link io.wharf.storage.index.BlockEntry} per
 * block saying which layer holds it (or that it reads zeros), plus the head layer's journal
 * durability state for the block.
 *
 * <p>Nothing here is on disk: the index is rebuilt at open from each layer's checkpoint and
 * journal, base layer first, so an upper layer's entry replaces a lower one's.
 *
 * <p>Invariants: an entry's ordinal names a layer of the chain or is 0; a ZERO entry never has
 * ordinal 0; only the head layer's entries have a durability other than DURABLE. Read cost is one
 * array lookup per block, independent of the number of layers.
 */
package io.wharf.storage.index;
