package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/** A request to create a named schedule policy: the body of {@code POST /v1/policies}. */
public record PolicyCreate(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String name,
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL) String schedule) {}
