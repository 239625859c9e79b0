package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/**
 * A request to roll a volume back to one of its snapshots: the body of
 * {@code POST /v1/volumes/{name}/revert}. {@code force} may be left out (false).
 */
public record VolumeRevert(String snapshot, boolean force) {
    /**
     * Reads {@code force} as a wrapper: the mapper refuses a missing primitive (no null for a
     * number or boolean), but a left-out {@code force} means false.
     */
    @JsonCreator
    static VolumeRevert read(
            @JsonProperty(value = "snapshot", required = true) @JsonSetter(nulls = Nulls.FAIL) String snapshot,
            @JsonProperty("force") Boolean force) {
        return new VolumeRevert(snapshot, Boolean.TRUE.equals(force));
    }
}
