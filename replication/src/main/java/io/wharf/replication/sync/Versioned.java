package io.wharf.replication.sync;

import java.util.Objects;

/** A value as read from the cluster store, with the revision a compare-and-set names. */
public record Versioned<T>(T value, long revision) {
    public Versioned {
        Objects.requireNonNull(value, "value");
    }
}
