package io.wharf.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * Turns a request body into a record, and every way that can fail into an
 * {@link ErrorCode#INVALID_ARGUMENT} that names the field and says what was expected.
 */
final class JsonBody {
    private static final String HINT = "see the request schemas in /v1/openapi.json";

    private JsonBody() {}

    static <T> T parse(byte[] body, Class<T> type, ObjectReader reader) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            throw invalid("request body is empty; expected a JSON object");
        }
        try {
            return reader.readValue(body, type);
        } catch (StreamReadException e) {
            throw invalid("request body is not valid JSON: " + e.getOriginalMessage() + where(e.getLocation()));
        } catch (InvalidNullException e) {
            throw invalid(field(e) + " must not be null");
        } catch (MismatchedInputException e) {
            throw mismatch(e);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof InputCoercionException) {
                throw invalid(field(e) + " must be an integer of at most 64 bits");
            }
            throw invalid("request body is not a valid " + type.getSimpleName() + ": " + field(e)
                    + " could not be read");
        } catch (JsonProcessingException e) {
            throw invalid("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading from a byte array cannot fail", e);
        }
    }

    private static WharfException mismatch(MismatchedInputException e) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Missing required creator property")) {
            String name = between(original, '\'');
            return invalid("field '" + name + "' is required");
        }
        if (e.getPath().isEmpty()) {
            return invalid("request body must be a JSON object");
        }
        return invalid(field(e) + " must be " + describe(e.getTargetType()));
    }

    private static String field(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "the body" : "field '" + path + "'";
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == long.class || type == Long.class || type == int.class || type == Integer.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "a " + type.getSimpleName();
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String between(String text, char quote) {
        int start = text.indexOf(quote);
        int end = start < 0 ? -1 : text.indexOf(quote, start + 1);
        return end < 0 ? "?" : text.substring(start + 1, end);
    }

    private static WharfException invalid(String message) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, message, HINT);
    }
}
