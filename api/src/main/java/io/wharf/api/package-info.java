/**
 * The Wharf REST API: the {@link io.wharf.api.WharfApi} contract and its records, the HTTP
 * server that exposes an implementation under {@code /v1} ({@link io.wharf.api.ApiServer}, the
 * JDK's HTTP server on virtual threads), the HTTP client ({@link io.wharf.api.client.ApiClient}),
 * and the OpenAPI document ({@code openapi.json}, checked in as a resource and served at
 * {@code /v1/openapi.json}; a test keeps it and the served routes equal).
 *
 * <p>Wire format: JSON ({@link io.wharf.api.ApiJson}); sizes are bytes ({@code sizeBytes});
 * request bodies are at most {@link io.wharf.api.ApiServer#MAX_BODY_BYTES}; errors are
 * {@link io.wharf.api.ApiError} with the HTTP status of its {@link io.wharf.core.ErrorCode}; a stack
 * trace never leaves the node, only an error-report id that points to the log line.
 */
package io.wharf.api;
