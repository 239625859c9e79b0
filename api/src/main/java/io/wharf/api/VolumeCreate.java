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
 * @param repl             copies of the data on different nodes, synchronously replicated: 1 (the default when
 *                         left out or 0), 2 or 3
 */
public record VolumeCreate(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        @JsonProperty(required = true) long sizeBytes,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> labels,
        String snapshotSchedule,
        String schedulePolicy,
        @JsonSetter(contentNulls = Nulls.FAIL) java.util.List<String> nodes,
        @JsonSetter(contentNulls = Nulls.FAIL) java.util.List<String> zones,
        @JsonSetter(contentNulls = Nulls.FAIL) Map<String, String> nodeSelector,
        Integer repl) {
    public VolumeCreate {
        repl = repl == null || repl == 0 ? 1 : repl;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        nodes = nodes == null ? java.util.List.of() : java.util.List.copyOf(nodes);
        zones = zones == null ? java.util.List.of() : java.util.List.copyOf(zones);
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
    }

    /** An unreplicated volume. */
    public VolumeCreate(String name, long sizeBytes, Map<String, String> labels, String snapshotSchedule, String schedulePolicy,
                        java.util.List<String> nodes, java.util.List<String> zones, Map<String, String> nodeSelector) {
        this(name, sizeBytes, labels, snapshotSchedule, schedulePolicy, nodes, zones, nodeSelector, 1);
    }

    /** A volume with a schedule, placed anywhere. */
    public VolumeCreate(String name, long sizeBytes, Map<String, String> labels, String snapshotSchedule,
                        String schedulePolicy) {
        this(name, sizeBytes, labels, snapshotSchedule, schedulePolicy, null, null, null);
    }

    /** This request, placed on exactly {@code node}. */
    public VolumeCreate on(String node) {
        return on(java.util.List.of(node));
    }

    /** This request, placed on exactly {@code chosen} (a replicated volume's replicas, the first holding its record's node). */
    public VolumeCreate on(java.util.List<String> chosen) {
        return new VolumeCreate(name, sizeBytes, labels, snapshotSchedule, schedulePolicy, chosen, zones, nodeSelector, repl);
    }

    /** This request with {@code copies} replicas. */
    public VolumeCreate withRepl(int copies) {
        return new VolumeCreate(name, sizeBytes, labels, snapshotSchedule, schedulePolicy, nodes, zones, nodeSelector, copies);
    }

    /** A volume with no schedule. */
    public VolumeCreate(String name, long sizeBytes, Map<String, String> labels) {
        this(name, sizeBytes, labels, null, null, null, null, null);
    }
}
