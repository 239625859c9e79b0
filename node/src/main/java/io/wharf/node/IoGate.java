package io.wharf.node;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Holds a volume's NBD I/O at one point, for group snapshots: {@link #close()} stops new requests
 * from entering and returns once every request already inside has left; {@link #open()} lets
 * them through again.
 *
 * <p>The data path pays one uncontended {@link LongAdder} increment and decrement and a volatile
 * read per request. Ordering: a request increments, then reads {@code closed}; the closer writes
 * {@code closed}, then sums. Both are sequentially consistent, so either the request sees the gate
 * closed (and backs out) or the closer sees the request (and waits for it).
 */
final class IoGate {
    private final LongAdder inside = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean closed;

    /** Enters, waiting while the gate is closed. */
    void enter() {
        while (true) {
            inside.increment();
            if (!closed) {
                return;
            }
            leave();
            lock.lock();
            try {
                while (closed) {
                    changed.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    void leave() {
        inside.decrement();
        if (closed) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Closes the gate and waits until no request is inside. */
    void close() {
        lock.lock();
        try {
            closed = true;
            while (inside.sum() != 0) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    void open() {
        lock.lock();
        try {
            closed = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
