package io.wharf.node.replication;

import io.wharf.replication.sync.Scheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's replication event loop: one platform thread running every replication core object
 * (targets and replicas) and its continuations, one task at a time, in the order they were handed
 * over (timers in the order they fall due). Any thread may hand it a task; transport readers,
 * storage threads and the node's NBD threads do.
 *
 * <p>A task must never block: sockets are written by writer threads, storage calls run on virtual
 * threads. A task that throws an exception is logged and the loop goes on. A task that throws an
 * {@link Error} (a broken invariant of the protocol: {@code Invariants}) stops the loop: continuing
 * could lose data, so every later task is dropped and the error is rethrown; the node must restart.
 *
 * <p>Bounds: the loop's queue holds what its producers hand it, and each producer is bounded (a
 * connection's reader by its receive budget, storage threads by the calls started, targets by
 * {@code maxPendingOps}). Cancelled timers are removed lazily, and the timer queue is compacted when
 * they outnumber the live ones, so it never holds more than about twice the live timers.
 */
public final class ReplicationLoop implements Scheduler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicationLoop.class);
    /** Tasks taken from the queue per lock acquisition. */
    private static final int BATCH = 256;
    /** Below this many timers, cancelled ones are not worth a compaction. */
    private static final int COMPACT_MIN_TIMERS = 1024;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final Thread thread;
    private long nextTimer;
    private int cancelledTimers;
    private boolean waiting;
    private boolean closed;

    public ReplicationLoop(String threadName) {
        this.name = threadName;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
        thread.start();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Queues {@code task}; dropped once the loop is closed. Any thread. */
    @Override
    public void execute(Runnable task) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            ready.add(task);
            if (waiting) {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code task} once {@code delayNanos} have passed; {@link Cancellable#NONE} once the loop is closed. Any thread. */
    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        lock.lock();
        try {
            if (closed) {
                return Cancellable.NONE;
            }
            Timer timer = new Timer(System.nanoTime() + Math.max(0, delayNanos), nextTimer++, task);
            timers.add(timer);
            if (waiting && timers.peek() == timer) {
                wake.signal();
            }
            return timer;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the calling thread is this loop's (for checks of "call on the loop"). */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Throws unless called on the loop: the core objects are not thread-safe. */
    public void checkInLoop(String what) {
        if (!inLoop()) {
            throw new IllegalStateException(what + " must be called on the replication loop " + name + ", not on "
                    + Thread.currentThread().getName());
        }
    }

    /** Stops the thread (after the task running now); queued and later tasks are dropped. Idempotent. */
    @Override
    public void close() {
        int dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            dropped = ready.size() + timers.size() - cancelledTimers;
            ready.clear();
            timers.clear();
            wake.signal();
        } finally {
            lock.unlock();
        }
        if (!inLoop()) {
            boolean interrupted = false;
            while (true) {
                try {
                    if (!thread.join(JOIN_TIMEOUT)) {
                        log.atWarn().setMessage("replication loop did not stop in time").addKeyValue("loop", name).log();
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        log.atDebug().setMessage("replication loop stopped").addKeyValue("loop", name).addKeyValue("droppedTasks", dropped).log();
    }

    private void run() {
        ArrayDeque<Runnable> batch = new ArrayDeque<>(BATCH);
        while (take(batch)) {
            Runnable task;
            while ((task = batch.poll()) != null) {
                runTask(task);
            }
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.atError().setMessage("replication task failed; the loop goes on").addKeyValue("loop", name)
                    .addKeyValue("task", task.getClass().getName()).setCause(e).log();
        } catch (Error e) {
            log.atError().setMessage("replication loop stopped by an error: restart the node").addKeyValue("loop", name)
                    .setCause(e).log();
            close();
            throw e;
        }
    }

    /** Waits for work and moves up to {@link #BATCH} tasks into {@code batch}; false once closed. */
    private boolean take(ArrayDeque<Runnable> batch) {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return false;
                }
                long now = System.nanoTime();
                long waitNanos = moveDueTimers(now);
                if (!ready.isEmpty()) {
                    for (int i = 0; i < BATCH && !ready.isEmpty(); i++) {
                        batch.add(ready.poll());
                    }
                    return true;
                }
                waiting = true;
                try {
                    if (waitNanos < 0) {
                        wake.awaitUninterruptibly();
                    } else {
                        wake.awaitNanos(waitNanos);
                    }
                } catch (InterruptedException e) {
                    // nobody interrupts the loop; a stray interrupt just wakes it
                } finally {
                    waiting = false;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: queues the timers due at {@code now}; returns the nanoseconds until the next one, or -1 if none. */
    private long moveDueTimers(long now) {
        Timer first;
        while ((first = timers.peek()) != null) {
            if (first.task == null) {
                timers.poll();
                cancelledTimers--;
                continue;
            }
            if (first.dueNanos - now > 0) {
                return first.dueNanos - now;
            }
            timers.poll();
            ready.add(first.task);
            first.task = null;
        }
        return -1;
    }

    /** Under the lock: drops cancelled timers once they are the majority. */
    private void compactTimers() {
        if (timers.size() >= COMPACT_MIN_TIMERS && cancelledTimers > timers.size() / 2) {
            timers.removeIf(timer -> timer.task == null);
            cancelledTimers = 0;
        }
    }

    /** A scheduled task; {@code task} is null once it ran or was cancelled (guarded by the lock). */
    private final class Timer implements Cancellable, Comparable<Timer> {
        final long dueNanos;
        final long sequence;
        Runnable task;

        Timer(long dueNanos, long sequence, Runnable task) {
            this.dueNanos = dueNanos;
            this.sequence = sequence;
            this.task = task;
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                if (task != null && !closed) {
                    task = null;
                    cancelledTimers++;
                    compactTimers();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(dueNanos - other.dueNanos, 0);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    @Override
    public String toString() {
        return "ReplicationLoop[" + name + "]";
    }
}
