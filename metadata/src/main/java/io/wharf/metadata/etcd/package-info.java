/**
 * {@link io.wharf.metadata.etcd.EtcdStore}: the {@link io.wharf.metadata.ClusterStore} of a
 * multi-node cluster, kept in etcd (v3 API, 3.4 or later) through jetcd. This package owns the
 * mapping from the store's operations to etcd requests, the bound on every request, the
 * translation of etcd's answers into {@link io.wharf.core.ErrorCode}s, and watch resumption.
 *
 * <h2>Mapping</h2>
 * <pre>
 * get(key)              Range key
 * listing(prefix)       Range [prefix, prefixEnd) in pages of 500 keys, all pages at the first page's revision
 * revision()            the header revision of a count-only Range
 * txn(t)                Txn: ModRevisionEquals -&gt; mod_revision ==, Absent -&gt; version == 0,
 *                       ValueEquals -&gt; value ==; puts and deletes with prev_kv
 * watch(prefix, from)   Watch [prefix, prefixEnd) with start_revision = from + 1
 * compact(r)            Compact r (not physical); at or before an earlier compaction: nothing
 * grantLease(ttl)       LeaseGrant, ttl rounded up to whole seconds
 * keepAlive(id)         one LeaseKeepAlive round trip; TTL 0 (lease not found) -&gt; false
 * revokeLease(id)       LeaseRevoke; lease not found -&gt; false
 * </pre>
 * Keys and values are stored as given: no prefix, no encoding; another etcd client sees the same keys.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Every request has a deadline ({@code requestTimeout}) and the caller never waits longer:
 *       no answer means {@code UNAVAILABLE}, with a hint naming the endpoints. A write that got no
 *       answer may have been applied; the message says so.
 *   <li>A watch delivers each change after its start revision once, in order, across broken
 *       streams and etcd restarts: it reopens at the revision after the last one it delivered in
 *       full. Between the gRPC event loop and the listener sits a buffer of at most 10,000
 *       events; a listener that falls further behind costs a reopened stream, not memory.
 *   <li>Listeners never run on a gRPC thread: one virtual thread per watch delivers.
 * </ul>
 *
 * <h2>Where etcd differs from the embedded store</h2>
 * <ul>
 *   <li>A new etcd starts at revision 1, not 0; and other clients of the same etcd move the
 *       revision too. Only differences between revisions mean anything.
 *   <li>Lease times to live are whole seconds, at least etcd's minimum (1.5 election timeouts,
 *       2 s by default); leases are etcd's ids (random, positive) and run on etcd's clock.
 *   <li>Leases survive the store and etcd restarts: closing an {@code EtcdStore} leaves its leases
 *       to expire (the embedded store ends them all on reopen). etcd 3.4 restarts a lease's
 *       time to live when its leader changes or restarts.
 *   <li>etcd revokes an expired lease within about 500 ms; until then a put with it is accepted
 *       (and the key deleted with the lease), where the embedded store refuses it at once.
 *       A keep-alive of such a lease returns false in both.
 *   <li>The 1.5 MiB transaction limit is counted on etcd's request encoding, the embedded store's
 *       on its log record: a transaction within a few bytes per op of the limit may pass one and
 *       fail the other ({@code INVALID_ARGUMENT} in both).
 *   <li>A transaction or revoke whose answer is lost is in doubt ({@code UNAVAILABLE}); the
 *       embedded store always knows. jetcd retries reads and lease grants/revokes on
 *       {@code UNAVAILABLE} within the timeout; a retried revoke may report false for a lease
 *       it did revoke.
 * </ul>
 */
package io.wharf.metadata.etcd;
