package io.wharf.api;

/** What a route handler returns; the server turns each kind into bytes on the wire. */
sealed interface Response {
    int status();

    /** A record or map written as JSON. */
    record Json(int status, Object body) implements Response {}

    /** Bytes with a content type, for documents and metrics. */
    record Bytes(int status, String contentType, byte[] body) implements Response {}

    /** No body: {@code 204 No Content}. */
    record Empty(int status) implements Response {}
}
