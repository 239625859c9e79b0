package io.wharf.metadata.embedded;

import io.wharf.core.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Live leases and their deadlines on the injected {@link Clock}'s monotonic time. A lease is
 * alive while its deadline is in the future; once past, it is dead even before the store gets
 * round to deleting its keys, so a keep-alive or a put cannot revive it. Leases live in memory
 * only: after a restart every lease has ended, as if its time to live had run out.
 *
 * <p>Thread-safe.
 */
final class LeaseTable {
    /** More live leases than any single node plausibly needs; a bound, not a tuning knob. */
    static final int MAX_LEASES = 100_000;

    private final Clock clock;
    private final Map<Long, Lease> leases = new HashMap<>();
    private long nextId = 1;

    private record Lease(long ttlNanos, long deadlineNanos) {}

    LeaseTable(Clock clock) {
        this.clock = clock;
    }

    synchronized long grant(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("lease time to live must be positive, was " + ttl);
        }
        if (leases.size() >= MAX_LEASES) {
            throw new IllegalStateException("too many live leases: " + leases.size());
        }
        long ttlNanos = ttl.toNanos();
        long id = nextId++;
        leases.put(id, new Lease(ttlNanos, clock.nanoTime() + ttlNanos));
        return id;
    }

    synchronized boolean keepAlive(long id) {
        Lease lease = leases.get(id);
        long now = clock.nanoTime();
        if (lease == null || !alive(lease, now)) {
            return false;
        }
        leases.put(id, new Lease(lease.ttlNanos(), now + lease.ttlNanos()));
        return true;
    }

    synchronized boolean isAlive(long id) {
        Lease lease = leases.get(id);
        return lease != null && alive(lease, clock.nanoTime());
    }

    /** Forgets the lease; true if it was still alive. */
    synchronized boolean remove(long id) {
        Lease lease = leases.remove(id);
        return lease != null && alive(lease, clock.nanoTime());
    }

    /** The leases whose deadline has passed, still to be removed. */
    synchronized List<Long> expired() {
        long now = clock.nanoTime();
        List<Long> expired = new ArrayList<>();
        leases.forEach((id, lease) -> {
            if (!alive(lease, now)) {
                expired.add(id);
            }
        });
        return expired;
    }

    private static boolean alive(Lease lease, long nowNanos) {
        return nowNanos - lease.deadlineNanos() < 0;
    }
}
