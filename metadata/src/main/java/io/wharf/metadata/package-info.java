/**
 * The cluster store abstraction: {@link io.wharf.metadata.ClusterStore}, a key-value store with
 * etcd v3's data model (byte-string keys and values, one store revision, per-key create/mod
 * revision and version, transactions with compares, watches from a revision, leases), and the
 * value types it speaks ({@link io.wharf.metadata.Txn}, {@link io.wharf.metadata.Op},
 * {@link io.wharf.metadata.Compare}, {@link io.wharf.metadata.WatchEvent}, ...).
 *
 * <p>Implementations: {@link io.wharf.metadata.embedded.EmbeddedStore} for one node;
 * {@link io.wharf.metadata.etcd.EtcdStore} (etcd through jetcd) for a cluster. Both must pass the
 * same contract test suite ({@code ClusterStoreContract} in this module's tests), the etcd one
 * against a real etcd server; where etcd's behaviour still differs, the etcd package says how.
 *
 * <p>Invariants every implementation keeps:
 * <ul>
 *   <li>The revision rises by exactly one per committed transaction that changes a key, and
 *       never otherwise; every change of a transaction carries that revision.
 *   <li>A write has been made durable before the call that made it returns.
 *   <li>A watch delivers each change after its start revision once, in revision order, with
 *       no gaps; if it cannot (history compacted), it says so with
 *       {@link io.wharf.metadata.WatchEvent.Compacted} instead of skipping.
 *   <li>Semantics follow etcd where they could differ: a value compare on a missing key is
 *       false; deleting a missing key is not a write; {@code Txn} limits are etcd's defaults.
 * </ul>
 *
 * <p>Mapping to etcd for the etcd store: {@code watch(prefix, from)} is etcd's watch with
 * {@code start_revision = from + 1} and the prefix's range end; {@code compact(r)} is etcd's
 * compaction at {@code r}.
 */
package io.wharf.metadata;
