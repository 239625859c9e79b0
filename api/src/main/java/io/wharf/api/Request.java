package io.wharf.api;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.util.Map;

/** What a route handler sees of a request: decoded path parameters, query parameters and the body. */
record Request(Map<String, String> pathParameters, Map<String, String> queryParameters, BodySource body) {
    /** Reads the body lazily, so routes without a body never read one. */
    interface BodySource {
        byte[] read();
    }

    String pathParameter(String name) {
        String value = pathParameters.get(name);
        if (value == null) {
            throw new IllegalStateException("route has no path parameter " + name);
        }
        return value;
    }

    boolean booleanQueryParameter(String name, boolean defaultValue) {
        String value = queryParameters.get(name);
        if (value == null) {
            return defaultValue;
        }
        return switch (value) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new WharfException(ErrorCode.INVALID_ARGUMENT,
                    "query parameter '" + name + "' must be true or false, not '" + printable(value) + "'",
                    "write ?" + name + "=true or ?" + name + "=false");
        };
    }

    <T> T json(Class<T> type) {
        return JsonBody.parse(body.read(), type, ApiJson.reader());
    }

    /** The body as {@code type}, or {@code absent} when the request has no body (or a blank one). */
    <T> T optionalJson(Class<T> type, T absent) {
        byte[] bytes = body.read();
        if (bytes.length == 0 || new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return absent;
        }
        return JsonBody.parse(bytes, type, ApiJson.reader());
    }

    private static String printable(String text) {
        String shortened = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return shortened.replaceAll("\\p{Cntrl}", "?");
    }
}
