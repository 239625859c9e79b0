package io.wharf.metadata;

/** A running watch. Closing it stops delivery; an event being delivered completes. */
public interface Watch extends AutoCloseable {
    @Override
    void close();
}
