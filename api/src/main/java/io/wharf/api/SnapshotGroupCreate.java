package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A request to take one crash-consistent cut across volumes: the body of
 * {@code POST /v1/snapshot-groups}. Both fields are required; each volume gets a snapshot named
 * {@code name}.
 */
public record SnapshotGroupCreate(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL, contentNulls = Nulls.FAIL) List<String> volumes) {
    public SnapshotGroupCreate {
        volumes = volumes == null ? null : List.copyOf(volumes);
    }

    /**
     * Returns this request if {@code volumes} names at least one volume and none twice, else throws
     * {@link ErrorCode#INVALID_ARGUMENT}. Names themselves are the implementation's to check.
     */
    public SnapshotGroupCreate requireValid() {
        if (name == null) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "a group snapshot needs a name",
                    "every volume's snapshot is named after the group, e.g. {\"name\": \"g1\", \"volumes\": [\"a\", \"b\"]}");
        }
        if (volumes == null || volumes.isEmpty()) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "group snapshot '" + name + "' names no volumes; it needs at least one",
                    "list the volumes to cut together, e.g. {\"name\": \"" + name + "\", \"volumes\": [\"a\", \"b\"]}");
        }
        Set<String> seen = new HashSet<>();
        for (String volume : volumes) {
            if (!seen.add(volume)) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                        "volume '" + volume + "' is listed more than once in group snapshot '" + name + "'",
                        "list each volume once; each gets exactly one snapshot, named " + volume + "@" + name);
            }
        }
        return this;
    }
}
