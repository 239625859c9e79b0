package io.wharf.api;

/** The version of the node that answered, and the API versions it speaks. */
public record VersionInfo(String version, String apiVersion) {}
