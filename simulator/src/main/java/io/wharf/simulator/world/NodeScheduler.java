package io.wharf.simulator.world;

import io.wharf.replication.sync.Scheduler;
import java.util.function.BooleanSupplier;

/** A process's view of the event loop: its tasks run only while that process (incarnation) lives. */
final class NodeScheduler implements Scheduler {
    private final EventLoop loop;
    private final BooleanSupplier alive;

    NodeScheduler(EventLoop loop, BooleanSupplier alive) {
        this.loop = loop;
        this.alive = alive;
    }

    @Override
    public long nanoTime() {
        return loop.now();
    }

    @Override
    public void execute(Runnable task) {
        loop.at(0, alive, task);
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        EventLoop.Event event = loop.at(delayNanos, alive, task);
        return event::cancel;
    }
}
