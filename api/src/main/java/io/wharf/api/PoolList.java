package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/pools}: an object, not a bare array, so fields can be added later. */
public record PoolList(List<PoolInfo> pools) {
    public PoolList {
        pools = pools == null ? List.of() : List.copyOf(pools);
    }
}
