package io.wharf.api;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Counts requests in progress so that a stop can wait for them, and refuses new ones once closing. */
final class InFlight {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int requests;
    private boolean closing;

    /** Admits a request; false once closing. */
    boolean enter() {
        lock.lock();
        try {
            if (closing) {
                return false;
            }
            requests++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void exit() {
        lock.lock();
        try {
            assert requests > 0 : "exit without enter";
            requests--;
            if (requests == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new requests and waits until none is in progress; false if the grace ran out first. */
    boolean closeAndAwaitIdle(Duration grace) {
        lock.lock();
        try {
            closing = true;
            long remainingNs = grace.toNanos();
            while (requests > 0) {
                if (remainingNs <= 0) {
                    return false;
                }
                remainingNs = idle.awaitNanos(remainingNs);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }
}
