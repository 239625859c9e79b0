package io.wharf.replication.sync.target;

import io.wharf.replication.sync.Invariants;
import io.wharf.replication.sync.Scheduler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Byte-range locks of the target, granted first come first served: a lock waits while it overlaps a
 * held lock or an earlier waiting one, so overlapping writes reach every replica in the order they
 * were submitted (replicas never apply two overlapping writes in different orders), and a region
 * copy waits for the writes in flight on its region and holds back new ones. Grants run on the
 * scheduler, never inside {@link #acquire} or {@link #release}.
 */
final class RangeLocks {
    /** A held or waiting lock on {@code [start, end)}. */
    static final class Lock {
        private final long start;
        private final long end;
        private final Runnable onGranted;
        private boolean granted;
        private boolean released;

        private Lock(long start, long end, Runnable onGranted) {
            this.start = start;
            this.end = end;
            this.onGranted = onGranted;
        }

        boolean overlaps(Lock other) {
            return start < other.end && other.start < end;
        }
    }

    private final Scheduler scheduler;
    private final int maxLocks;
    private final List<Lock> held = new ArrayList<>();
    private final List<Lock> waiting = new ArrayList<>();

    RangeLocks(Scheduler scheduler, int maxLocks) {
        this.scheduler = scheduler;
        this.maxLocks = maxLocks;
    }

    Lock acquire(long start, long end, Runnable onGranted) {
        Invariants.check(start < end, "empty lock range [" + start + ", " + end + ")");
        Invariants.check(held.size() + waiting.size() < maxLocks, "more than " + maxLocks + " range locks");
        Lock lock = new Lock(start, end, onGranted);
        if (free(lock, waiting.size())) {
            grant(lock);
        } else {
            waiting.add(lock);
        }
        return lock;
    }

    /** Releases a held lock, or withdraws a waiting one; releasing twice is a no-op. */
    void release(Lock lock) {
        if (lock == null || lock.released) {
            return;
        }
        lock.released = true;
        if (!lock.granted) {
            waiting.remove(lock);
        } else {
            held.remove(lock);
        }
        int index = 0;
        for (Iterator<Lock> it = waiting.iterator(); it.hasNext(); ) {
            Lock next = it.next();
            if (free(next, index)) {
                it.remove();
                grant(next);
            } else {
                index++;
            }
        }
    }

    int size() {
        return held.size() + waiting.size();
    }

    /** Free if it overlaps no held lock and none of the first {@code earlierWaiting} waiting locks. */
    private boolean free(Lock lock, int earlierWaiting) {
        for (Lock other : held) {
            if (other.overlaps(lock)) {
                return false;
            }
        }
        for (int i = 0; i < earlierWaiting; i++) {
            if (waiting.get(i).overlaps(lock)) {
                return false;
            }
        }
        return true;
    }

    private void grant(Lock lock) {
        lock.granted = true;
        held.add(lock);
        scheduler.execute(lock.onGranted);
    }
}
