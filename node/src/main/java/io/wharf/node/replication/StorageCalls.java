package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.node.transport.CallPace;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.Scheduler;
import java.io.IOException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs blocking storage calls (volume I/O, metadata files) off the replication loop: each on a
 * virtual thread, at most {@code maxRunning} at once (the rest wait for a permit, parked), and hands
 * each outcome back to the loop. Writes may run on the loop instead while they are fast
 * ({@link #runWrite}). Failures become outcomes: an {@link IOException} {@code IO_ERROR},
 * a {@link WharfException} its own code, a range error {@code INVALID_ARGUMENT}, anything else
 * {@code INTERNAL} (logged). Threads are never interrupted: an interrupt would close the pool's
 * file channels.
 */
final class StorageCalls {
    private static final Logger log = LoggerFactory.getLogger(StorageCalls.class);

    /** A blocking call. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    private final String name;
    private final Scheduler loop;
    private final Semaphore running;
    private final ThreadFactory threads;
    /** How fast writes have been ({@link #runWrite}); a write up to 32 KiB is small. */
    private final CallPace writes = new CallPace(32 * 1024);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int started;
    private boolean closed;

    StorageCalls(String name, Scheduler loop, int maxRunning) {
        this.name = name;
        this.loop = loop;
        this.running = new Semaphore(maxRunning);
        this.threads = Thread.ofVirtual().name("replica-" + name).factory(); // a factory is thread-safe, a builder is not
    }

    /** Starts {@code call}; {@code done} gets its outcome on the loop (UNAVAILABLE once closed). */
    <T> void run(String what, Call<T> call, Completion<T> done) {
        if (!enter()) {
            loop.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, what + ": the replica host is closed")));
            return;
        }
        try {
            threads.newThread(() -> runNow(what, call, done)).start();
        } catch (RuntimeException | Error e) {
            leave();
            throw e;
        }
    }

    /**
     * As {@link #run}, for a write of {@code bytes}: on the loop itself (called there) while writes
     * have recently been fast ({@link CallPace}) and a permit is free, else on a thread of its own. On
     * the loop it saves two thread wake-ups, more than a write to the page cache costs; {@code done}
     * still gets the outcome on a later turn of the loop, never from inside this call.
     */
    <T> void runWrite(String what, long bytes, Call<T> call, Completion<T> done) {
        if (!writes.fast(0, bytes) || !running.tryAcquire()) {
            run(what, () -> timed(bytes, call), done);
            return;
        }
        if (!enter()) {
            running.release();
            loop.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, what + ": the replica host is closed")));
            return;
        }
        finish(what, () -> timed(bytes, call), done);
    }

    private <T> T timed(long bytes, Call<T> call) throws IOException {
        long begun = System.nanoTime();
        T result = call.run();
        writes.record(0, bytes, System.nanoTime() - begun);
        return result;
    }

    private <T> void runNow(String what, Call<T> call, Completion<T> done) {
        running.acquireUninterruptibly();
        finish(what, call, done);
    }

    /** Runs {@code call} holding a permit, gives the permit back and hands the outcome to the loop. */
    private <T> void finish(String what, Call<T> call, Completion<T> done) {
        Outcome<T> outcome;
        try {
            outcome = Outcome.ok(call.run());
        } catch (IOException e) {
            outcome = Outcome.failed(ErrorCode.IO_ERROR, what + ": " + e.getMessage());
        } catch (WharfException e) {
            outcome = Outcome.failed(e.code(), what + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            outcome = Outcome.failed(ErrorCode.INVALID_ARGUMENT, what + ": " + e.getMessage());
        } catch (RuntimeException e) {
            log.atWarn().setMessage("storage call failed unexpectedly").addKeyValue("call", what).setCause(e).log();
            outcome = Outcome.failed(ErrorCode.INTERNAL, what + ": " + e);
        } catch (Error e) {
            loop.execute(() -> done.complete(Outcome.failed(ErrorCode.INTERNAL, what + ": " + e)));
            throw e;
        } finally {
            running.release();
            leave();
        }
        Outcome<T> result = outcome;
        loop.execute(() -> done.complete(result));
    }

    private boolean enter() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            started++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void leave() {
        lock.lock();
        try {
            if (--started == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new calls and waits up to {@code timeoutNanos} for the running ones; false if some still run. */
    boolean close(long timeoutNanos) {
        lock.lock();
        try {
            closed = true;
            long remaining = timeoutNanos;
            boolean interrupted = false;
            while (started > 0 && remaining > 0) {
                try {
                    remaining = idle.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (started > 0) {
                log.atWarn().setMessage("storage calls still running at close").addKeyValue("calls", name)
                        .addKeyValue("running", started).addKeyValue("waitedMs", TimeUnit.NANOSECONDS.toMillis(timeoutNanos)).log();
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
