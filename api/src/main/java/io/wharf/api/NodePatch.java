package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/** The body of {@code PATCH /v1/nodes/{id}}: enter ({@code true}) or exit maintenance. */
public record NodePatch(@JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) Boolean maintenance) {}
