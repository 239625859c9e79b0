/**
 * The Wharf REST API: the {@link io.wharf.api.WharfApi} contract and its records, the HTTP
 * server that exposes an implementation under {@code /v1}, the HTTP client, and the OpenAPI
 * document ({@code openapi.json}, checked in as a resource and served at {@code /v1/openapi.json}).
 *
 * <p>Wire format: JSON; sizes are bytes ({@code sizeBytes}); errors are {@link io.wharf.api.ApiError}
 * with the HTTP status of its {@link io.wharf.core.ErrorCode}.
 */
package io.wharf.api;
