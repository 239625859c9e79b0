package io.wharf.metadata.embedded;

import io.wharf.metadata.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The watch history: the events of the last {@code capacity} revisions, in a ring indexed by
 * revision. Every revision in {@code [firstRetained, last]} is present; older ones are
 * forgotten, by the capacity bound or by {@link #compact}. This ring is the only buffer between
 * the commit path and the watchers: a watcher that falls behind by more than the capacity is
 * told it was compacted rather than growing a queue.
 */
final class EventHistory {
    /** The events of one committed revision, in op order. */
    record Revision(long revision, List<WatchEvent> events) {
        Revision {
            events = List.copyOf(events);
        }
    }

    /** What a watcher reads next. */
    sealed interface Read {
        record Revisions(List<Revision> revisions) implements Read {}

        record Compacted(long compactRevision) implements Read {}

        record Ended() implements Read {}
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition appended = lock.newCondition();
    private final Revision[] ring;
    private long firstRetained;
    private long last;
    private boolean closed;

    /** A history that begins empty after {@code startRevision}. */
    EventHistory(int capacity, long startRevision) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("history capacity " + capacity);
        }
        this.ring = new Revision[capacity];
        this.last = startRevision;
        this.firstRetained = startRevision + 1;
    }

    void append(Revision revision) {
        lock.lock();
        try {
            if (revision.revision() != last + 1) {
                throw new IllegalStateException("history at " + last + " cannot take revision " + revision.revision());
            }
            last = revision.revision();
            ring[slot(last)] = revision;
            firstRetained = Math.max(firstRetained, last - ring.length + 1);
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets revisions before {@code revision}; {@code revision} may be at most the last one. */
    void compact(long revision) {
        lock.lock();
        try {
            if (revision > last) {
                throw new IllegalArgumentException("cannot compact at revision " + revision + ": the store is at " + last);
            }
            for (long r = firstRetained; r < revision; r++) {
                ring[slot(r)] = null;
            }
            firstRetained = Math.max(firstRetained, revision);
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long compactRevision() {
        lock.lock();
        try {
            return firstRetained;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to {@code max} revisions after {@code after}, waiting until there is one; or
     * {@link Read.Compacted} if the revision after {@code after} is forgotten; or
     * {@link Read.Ended} once the history is closed or {@code cancelled} says so (checked
     * whenever {@link #wake()} is called).
     */
    Read readAfter(long after, int max, BooleanSupplier cancelled) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed || cancelled.getAsBoolean()) {
                    return new Read.Ended();
                }
                if (after + 1 < firstRetained) {
                    return new Read.Compacted(firstRetained);
                }
                if (last > after) {
                    List<Revision> revisions = new ArrayList<>();
                    for (long r = after + 1; r <= last && revisions.size() < max; r++) {
                        revisions.add(ring[slot(r)]);
                    }
                    return new Read.Revisions(revisions);
                }
                appended.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Makes waiting readers look at their cancellation again. */
    void wake() {
        lock.lock();
        try {
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ends every read, now and later. */
    void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private int slot(long revision) {
        return (int) Math.floorMod(revision, (long) ring.length);
    }
}
