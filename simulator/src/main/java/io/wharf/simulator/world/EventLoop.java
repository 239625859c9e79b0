package io.wharf.simulator.world;

import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * The one thread of a simulation: a queue of tasks ordered by simulated time, ties broken by
 * insertion order, so a run is a pure function of its seed. Time advances only from task to task.
 */
public final class EventLoop {
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final long maxEvents;
    private long now;
    private long sequence;
    private long executed;

    /** A scheduled task; {@link #cancel} keeps it from running. */
    public static final class Event implements Comparable<Event> {
        private final long time;
        private final long sequence;
        private final BooleanSupplier alive;
        private final Runnable task;
        private boolean cancelled;

        private Event(long time, long sequence, BooleanSupplier alive, Runnable task) {
            this.time = time;
            this.sequence = sequence;
            this.alive = alive;
            this.task = task;
        }

        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    public EventLoop(long maxEvents) {
        this.maxEvents = maxEvents;
    }

    public long now() {
        return now;
    }

    public long executed() {
        return executed;
    }

    /** Runs {@code task} {@code delayNanos} from now, if {@code alive} still holds then (a crashed process runs nothing). */
    public Event at(long delayNanos, BooleanSupplier alive, Runnable task) {
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delay " + delayNanos);
        }
        Event event = new Event(now + delayNanos, sequence++, alive, task);
        queue.add(event);
        return event;
    }

    public Event at(long delayNanos, Runnable task) {
        return at(delayNanos, () -> true, task);
    }

    /** Runs tasks until simulated time reaches {@code untilNanos} (then it is that time), or {@code stop} holds. */
    public void run(long untilNanos, BooleanSupplier stop) {
        while (!stop.getAsBoolean()) {
            Event next = queue.peek();
            if (next == null || next.time > untilNanos) {
                if (untilNanos != Long.MAX_VALUE) {
                    now = Math.max(now, untilNanos);
                }
                return;
            }
            queue.poll();
            if (next.cancelled || !next.alive.getAsBoolean()) {
                continue;
            }
            now = next.time;
            if (++executed > maxEvents) {
                throw new IllegalStateException("more than " + maxEvents + " events: the simulation does not make progress");
            }
            next.task.run();
        }
    }
}
