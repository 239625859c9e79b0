package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/volumes}: an object, not a bare array, so fields can be added later. */
public record VolumeList(List<VolumeInfo> volumes) {
    public VolumeList {
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }
}
