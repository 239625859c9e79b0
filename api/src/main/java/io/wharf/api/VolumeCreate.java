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
 * @param nodes            placement: only these nodes may hold the volume (empty: any)
 * @param zones            placement: only nodes in these zones may hold the volume (empty: any)
 * @param nodeSelector     placement: only nodes carrying all these labels may hold the volume
 */
public record VolumeCreate(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        @JsonProperty(required = true) long sizeBytes,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> labels,
        String snapshotSchedule,
        String schedulePolicy,
        @JsonSetter(contentNulls = Nulls.FAIL) java.util.List<String> nodes,
        @JsonSetter(contentNulls = Nulls.FAIL) java.util.List<String> zones,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> nodeSelector) {
    public VolumeCreate {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        nodes = nodes == null ? java.util.List.of() : java.util.List.copyOf(nodes);
        zones = zones == null ? java.util.List.of() : java.util.List.copyOf(zones);
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    }

    /** A volume with a schedule, placed anywhere. */
    public VolumeCreate(String name, long sizeBytes, Map<String, String> labels, String snapshotSchedule,
                        String schedulePolicy) {
        this(name, sizeBytes, labels, snapshotSchedule, schedulePolicy, null, null, null);
    }

    /** This request, placed on exactly {@code node}. */
    public VolumeCreate on(String node) {
        return new VolumeCreate(name, sizeBytes, labels, snapshotSchedule, schedulePolicy, java.util.List.of(node), zones,
                nodeSelector);
    }

    /** A volume with no schedule. */
    public VolumeCreate(String name, long sizeBytes, Map<String, String> labels) {
        this(name, sizeBytes, labels, null, null, null, null, null);
    }
}
