package io.wharf.metadata.etcd;

import io.etcd.jetcd.Watch.Watcher;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import io.wharf.metadata.WatchListener;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch over etcd: a virtual thread that delivers the events of an etcd watch stream to the
 * listener, and opens a new stream from where it left off when one breaks.
 *
 * <p>The cursor, the revision of the last change delivered in full, is the watch's only state.
 * A stream is always opened at {@code cursor + 1}; etcd sends each revision's events in one
 * response, so after a reconnect nothing is missed and nothing is delivered twice. jetcd's own
 * resumption is not used: it may resume after the revision of its creation answer rather than
 * after the last event delivered, which could skip changes.
 *
 * <p>Events cross from the gRPC event loop to the delivering thread through a buffer of at most
 * {@value #MAX_BUFFERED_EVENTS} events by default (one response may exceed it when the buffer is empty).
 * When the listener falls further behind, the stream is dropped and reopened from the cursor
 * once the buffer is drained, so memory stays bounded and no event is lost.
 */
final class EtcdWatch implements Watch {
    static final int MAX_BUFFERED_EVENTS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);

    /** Why a stream stopped delivering. */
    private sealed interface Ending {
        record Failed(Throwable cause) implements Ending {}

        record Overflowed() implements Ending {}

        record Compacted(long compactRevision) implements Ending {}
    }

    private final io.etcd.jetcd.Watch client;
    private final Bytes prefix;
    private final WatchListener listener;
    private final Consumer<EtcdWatch> onEnd;
    private final int maxBufferedEvents;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock: what the current stream has handed over and not yet delivered.
    private final ArrayDeque<List<WatchEvent>> buffered = new ArrayDeque<>();
    private int bufferedEvents;
    private Stream current;
    private Ending ending;
    private boolean closed;
    // Only the delivering thread touches the cursor.
    private long cursor;

    /**
     * @param fromRevision exclusive: the first change delivered is the first after it
     * @param onEnd        runs once when the watch has ended, whatever the reason
     */
    EtcdWatch(io.etcd.jetcd.Watch client, Bytes prefix, long fromRevision, WatchListener listener,
              Consumer<EtcdWatch> onEnd, int maxBufferedEvents) {
        if (maxBufferedEvents < 1) {
            throw new IllegalArgumentException("maxBufferedEvents must be positive, was " + maxBufferedEvents);
        }
        this.client = client;
        this.prefix = prefix;
        this.listener = listener;
        this.onEnd = onEnd;
        this.maxBufferedEvents = maxBufferedEvents;
        this.cursor = fromRevision;
    }

    void start() {
        Thread.ofVirtual().name("wharf-etcd-watch-" + prefix).start(this::run);
    }

    @Override
    public void close() {
        Stream stream;
        lock.lock();
        try {
            closed = true;
            stream = current;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (stream != null) {
            stream.cancel();
        }
    }

    private void run() {
        Duration retryDelay = FIRST_RETRY_DELAY;
        try {
            while (true) {
                Stream stream = open();
                if (stream == null) {
                    return;
                }
                Ending end = deliverUntilEnd(stream);
                stream.cancel();
                switch (end) {
                    case null -> {
                        return;
                    }
                    case Ending.Compacted compacted -> {
                        LOG.atInfo().setMessage("watch compacted").addKeyValue("prefix", prefix)
                                .addKeyValue("cursor", cursor).addKeyValue("compactRevision", compacted.compactRevision()).log();
                        markClosed();
                        listener.onEvent(new WatchEvent.Compacted(compacted.compactRevision()));
                        return;
                    }
                    case Ending.Overflowed _ -> {
                        LOG.atWarn().setMessage("watch listener fell behind; reopening the etcd watch from its cursor")
                                .addKeyValue("prefix", prefix).addKeyValue("cursor", cursor).log();
                        retryDelay = FIRST_RETRY_DELAY;
                    }
                    case Ending.Failed failed -> {
                        retryDelay = stream.delivered ? FIRST_RETRY_DELAY : retryDelay;
                        LOG.atWarn().setMessage("etcd watch stream broke; reopening it from its cursor")
                                .addKeyValue("prefix", prefix).addKeyValue("cursor", cursor)
                                .addKeyValue("retryDelayMs", retryDelay.toMillis())
                                .addKeyValue("error", String.valueOf(failed.cause())).log();
                        if (awaitClosed(retryDelay)) {
                            return;
                        }
                        retryDelay = min(retryDelay.multipliedBy(2), MAX_RETRY_DELAY);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("watch listener failed; watch ended: prefix={} cursor={}", prefix, cursor, e);
        } finally {
            Stream stream = markClosed();
            if (stream != null) {
                stream.cancel();
            }
            onEnd.accept(this);
        }
    }

    /** Starts a stream at {@code cursor + 1}; null if the watch is closed. */
    private Stream open() {
        Stream stream = new Stream();
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            current = stream;
            ending = null;
            buffered.clear();
            bufferedEvents = 0;
        } finally {
            lock.unlock();
        }
        WatchOption option = WatchOption.builder()
                .withRevision(cursor + 1)
                .withRange(EtcdWire.rangeEnd(prefix))
                .build();
        try {
            stream.watcher = client.watch(EtcdWire.rangeStart(prefix), option, stream);
        } catch (RuntimeException e) {
            stream.end(new Ending.Failed(e));
        }
        return stream;
    }

    /** Delivers the stream's events until it ends (returned) or the watch is closed (null). */
    private Ending deliverUntilEnd(Stream stream) throws InterruptedException {
        while (true) {
            List<WatchEvent> batch;
            lock.lock();
            try {
                while (!closed && buffered.isEmpty() && ending == null) {
                    changed.await();
                }
                if (closed) {
                    return null;
                }
                batch = buffered.poll();
                if (batch == null) {
                    return ending;
                }
                bufferedEvents -= batch.size();
            } finally {
                lock.unlock();
            }
            deliver(batch);
            stream.delivered = true;
        }
    }

    /** Delivers one response's events; they are whole revisions, so the cursor moves past them all. */
    private void deliver(List<WatchEvent> batch) {
        long last = cursor;
        for (WatchEvent event : batch) {
            if (event.revision() <= cursor) {
                continue;
            }
            if (isClosed()) {
                return;
            }
            listener.onEvent(event);
            last = event.revision();
        }
        cursor = last;
    }

    private boolean awaitClosed(Duration delay) throws InterruptedException {
        lock.lock();
        try {
            long remaining = delay.toNanos();
            while (!closed && remaining > 0) {
                remaining = changed.awaitNanos(remaining);
            }
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Ends delivery; returns the current stream, for cancelling. */
    private Stream markClosed() {
        lock.lock();
        try {
            closed = true;
            return current;
        } finally {
            lock.unlock();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * One etcd watch stream. Its callbacks run on the gRPC event loop: they only convert and
     * hand over, never block. Callbacks of a stream that is no longer current are dropped.
     */
    private final class Stream implements io.etcd.jetcd.Watch.Listener {
        volatile Watcher watcher;
        volatile boolean delivered;

        @Override
        public void onNext(WatchResponse response) {
            List<WatchEvent> events = new ArrayList<>(response.getEvents().size());
            try {
                response.getEvents().forEach(event -> events.add(EtcdWire.event(event)));
            } catch (RuntimeException e) {
                end(new Ending.Failed(e));
                return;
            }
            if (!events.isEmpty()) {
                offer(events);
            }
        }

        @Override
        public void onError(Throwable error) {
            end(error instanceof CompactedException compacted
                    ? new Ending.Compacted(compacted.getCompactedRevision())
                    : new Ending.Failed(error));
        }

        @Override
        public void onCompleted() {
            end(new Ending.Failed(new IllegalStateException("etcd ended the watch stream")));
        }

        private void offer(List<WatchEvent> events) {
            lock.lock();
            try {
                if (current != this || ending != null || closed) {
                    return;
                }
                if (bufferedEvents > 0 && bufferedEvents + events.size() > maxBufferedEvents) {
                    ending = new Ending.Overflowed();
                } else {
                    buffered.add(events);
                    bufferedEvents += events.size();
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void end(Ending why) {
            lock.lock();
            try {
                if (current == this && ending == null && !closed) {
                    ending = why;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Stops the etcd stream; its later callbacks are dropped. Idempotent. */
        void cancel() {
            Watcher w = watcher;
            if (w != null) {
                w.close();
            }
        }
    }
}
