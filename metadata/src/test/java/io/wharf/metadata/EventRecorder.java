package io.wharf.metadata;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A watch listener that queues events so a test can wait for them with a deadline. */
public final class EventRecorder implements WatchListener {
    private final LinkedBlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(WatchEvent event) {
        events.add(event);
    }

    /** The next {@code count} events; fails if they do not all arrive within {@code timeout}. */
    public List<WatchEvent> next(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<WatchEvent> received = new ArrayList<>(count);
        while (received.size() < count) {
            WatchEvent event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new AssertionError("expected " + count + " watch events within " + timeout + ", got " + received);
            }
            received.add(event);
        }
        return received;
    }

    public WatchEvent next(Duration timeout) throws InterruptedException {
        return next(1, timeout).getFirst();
    }

    /** Events received and not yet taken, without waiting. */
    public List<WatchEvent> drain() {
        List<WatchEvent> drained = new ArrayList<>();
        events.drainTo(drained);
        return drained;
    }
}
