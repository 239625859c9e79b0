package io.wharf.api;

import java.util.List;
import java.util.Objects;

/**
 * One route the server answers: an HTTP method and a path template whose {@code {name}}
 * segments match one path segment each, as in the OpenAPI document.
 */
public record Route(String method, String path) {
    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
    }

    List<String> segments() {
        return List.of(path.substring(1).split("/", -1));
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
