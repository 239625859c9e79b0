package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.Map;

/**
 * A request to create a volume. {@code name} and {@code sizeBytes} are required on the wire;
 * {@code labels} may be left out.
 */
public record VolumeCreate(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        @JsonProperty(required = true) long sizeBytes,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> labels) {
    public VolumeCreate {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
