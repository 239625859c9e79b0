package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.Map;

/**
 * A request to clone a volume: the body of {@code POST /v1/volumes/{name}/clone}. {@code name}
 * (of the new volume) is required; {@code snapshot} may be left out to clone the source's
 * current state; {@code labels} may be left out.
 */
public record VolumeClone(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        String snapshot,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> labels) {
    public VolumeClone {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
