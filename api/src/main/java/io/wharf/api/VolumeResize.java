package io.wharf.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A request to grow a volume: the body of {@code PATCH /v1/volumes/{name}}. */
public record VolumeResize(@JsonProperty(required = true) long sizeBytes) {}
