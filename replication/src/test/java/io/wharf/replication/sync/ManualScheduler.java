package io.wharf.replication.sync;

import java.util.PriorityQueue;

/** A scheduler for tests: tasks run only when the test says, in time order; time moves by hand. */
public final class ManualScheduler implements Scheduler {
    private record Task(long at, long order, Runnable run, boolean[] cancelled) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.order, b.order));
    private long now;
    private long order;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(new Task(now, order++, task, new boolean[1]));
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        boolean[] cancelled = new boolean[1];
        tasks.add(new Task(now + delayNanos, order++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Runs everything due now (and what that schedules for now), without moving time. */
    public void runDue() {
        while (!tasks.isEmpty() && tasks.peek().at <= now) {
            Task task = tasks.poll();
            if (!task.cancelled[0]) {
                task.run.run();
            }
        }
    }

    /** Moves time forward by {@code nanos}, running every task due on the way. */
    public void advance(long nanos) {
        long until = now + nanos;
        while (!tasks.isEmpty() && tasks.peek().at <= until) {
            Task task = tasks.poll();
            now = Math.max(now, task.at);
            if (!task.cancelled[0]) {
                task.run.run();
            }
        }
        now = until;
    }
}
