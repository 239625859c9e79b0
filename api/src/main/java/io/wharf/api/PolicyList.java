package io.wharf.api;

import java.util.List;

/** The body of {@code GET /v1/policies}: an object, so fields can be added later. */
public record PolicyList(List<PolicyInfo> policies) {
    public PolicyList {
        policies = policies == null ? List.of() : List.copyOf(policies);
    }
}
