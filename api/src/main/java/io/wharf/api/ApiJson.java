package io.wharf.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;

/**
 * The one JSON configuration of the API, shared by server, client and the CLI's {@code -o json}.
 *
 * <p>Reading is lenient about what it does not know (unknown fields are ignored, so an older
 * client can read a newer node) and strict about what it does: no coercion between strings,
 * numbers and booleans, no fractions for integers, no null for a number, no duplicate keys, no
 * trailing content. Maps (labels) are written sorted by key, so output is stable.
 */
public final class ApiJson {
    private static final ObjectMapper MAPPER = createMapper();
    private static final ObjectWriter COMPACT = MAPPER.writer();
    private static final ObjectWriter PRETTY = MAPPER.writer(SerializationFeature.INDENT_OUTPUT);

    private ApiJson() {}

    private static ObjectMapper createMapper() {
        JsonMapper mapper = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
        for (LogicalType type : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Boolean,
                LogicalType.Float}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        // A string stays a string, and an integer may widen to a float (overcommitRatio: 2).
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.TryConvert);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        return mapper;
    }

    public static ObjectReader reader() {
        return MAPPER.reader();
    }

    public static ObjectWriter writer() {
        return COMPACT;
    }

    /** Indented output for people and for {@code wharf ... -o json}. */
    public static ObjectWriter prettyWriter() {
        return PRETTY;
    }
}
