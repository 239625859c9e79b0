package io.wharf.api;

import java.util.Map;

/** A request to create a volume. */
public record VolumeCreate(String name, long sizeBytes, Map<String, String> labels) {
    public VolumeCreate {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
