package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.Map;

/**
 * A request to create a volume. {@code name} and {@code sizeBytes} are required on the wire; the
 * rest may be left out.
 *
 * @param snapshotSchedule a snapshot schedule (Portworx syntax), or null
 * @param schedulePolicy   the name of a schedule policy, or null (not both)
 */
public record VolumeCreate(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        @JsonProperty(required = true) long sizeBytes,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> labels,
        String snapshotSchedule,
        String schedulePolicy) {
    public VolumeCreate {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A volume with no schedule. */
    public VolumeCreate(String name, long sizeBytes, Map<String, String> labels) {
        this(name, sizeBytes, labels, null, null);
    }
}
