package io.wharf.api;

/** The one shape of every error the REST API returns: {@code {"code":..., "message":..., "hint":...}}. */
public record ApiError(String code, String message, String hint) {}
