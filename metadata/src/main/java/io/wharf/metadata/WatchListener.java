package io.wharf.metadata;

/**
 * Receives a watch's events, one at a time, from one thread per watch, never concurrently
 * and never while the store holds a lock, so it may call the store. A listener that throws
 * ends its watch (the failure is logged).
 */
@FunctionalInterface
public interface WatchListener {
    void onEvent(WatchEvent event);
}
