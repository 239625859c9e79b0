package io.wharf.replication.sync;

/** Receives {@link ReplicationEvent}s, on the emitting object's scheduler. */
@FunctionalInterface
public interface ReplicationListener {
    ReplicationListener NONE = event -> { };

    void on(ReplicationEvent event);
}
