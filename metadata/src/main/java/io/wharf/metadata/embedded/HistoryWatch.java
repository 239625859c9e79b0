package io.wharf.metadata.embedded;

import io.wharf.metadata.Bytes;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import io.wharf.metadata.WatchListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch: a virtual thread that reads the {@link EventHistory} from a cursor revision and
 * hands the events under its prefix to the listener, in order. The cursor is the only state;
 * there is no per-watch queue.
 */
final class HistoryWatch implements Watch {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryWatch.class);
    private static final int REVISIONS_PER_READ = 256;

    private final EventHistory history;
    private final Bytes prefix;
    private final WatchListener listener;
    private volatile boolean closed;
    private long cursor;

    HistoryWatch(EventHistory history, Bytes prefix, long fromRevision, WatchListener listener) {
        this.history = history;
        this.prefix = prefix;
        this.listener = listener;
        this.cursor = fromRevision;
    }

    void start() {
        Thread.ofVirtual().name("wharf-metadata-watch-" + prefix).start(this::run);
    }

    @Override
    public void close() {
        closed = true;
        history.wake();
    }

    private void run() {
        try {
            while (!closed) {
                switch (history.readAfter(cursor, REVISIONS_PER_READ, () -> closed)) {
                    case EventHistory.Read.Revisions read -> deliver(read);
                    case EventHistory.Read.Compacted read -> {
                        LOG.info("watch compacted: prefix={} cursor={} compactRevision={}", prefix, cursor, read.compactRevision());
                        closed = true;
                        listener.onEvent(new WatchEvent.Compacted(read.compactRevision()));
                    }
                    case EventHistory.Read.Ended ignored -> closed = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("watch listener failed; watch ended: prefix={} cursor={}", prefix, cursor, e);
        } finally {
            closed = true;
        }
    }

    private void deliver(EventHistory.Read.Revisions read) {
        for (EventHistory.Revision revision : read.revisions()) {
            for (WatchEvent event : revision.events()) {
                if (closed) {
                    return;
                }
                if (keyOf(event).startsWith(prefix)) {
                    listener.onEvent(event);
                }
            }
            cursor = revision.revision();
        }
    }

    private static Bytes keyOf(WatchEvent event) {
        return switch (event) {
            case WatchEvent.Put put -> put.keyValue().key();
            case WatchEvent.Delete delete -> delete.key();
            case WatchEvent.Compacted compacted -> throw new AssertionError("history holds " + compacted);
        };
    }
}
