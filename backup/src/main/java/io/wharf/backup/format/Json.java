package io.wharf.backup.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The JSON mapping of the metadata records: unknown fields are ignored (a newer minor writer), instants are ISO-8601. */
public final class Json {
    private static final ObjectMapper MAPPER = mapper();

    private Json() {}

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    public static <T> T read(byte[] json, Class<T> type) throws CorruptObjectException {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException | RuntimeException e) {
            throw new CorruptObjectException("not a valid " + type.getSimpleName() + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static ObjectMapper mapper() {
        SimpleModule instants = new SimpleModule("instants");
        instants.addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator generator, SerializerProvider provider) throws IOException {
                generator.writeString(value.toString());
            }
        });
        instants.addDeserializer(Instant.class, new JsonDeserializer<>() {
            @Override
            public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
                try {
                    return Instant.parse(parser.getValueAsString());
                } catch (DateTimeParseException e) {
                    throw new IOException("bad instant " + parser.getValueAsString(), e);
                }
            }
        });
        return new ObjectMapper()
                .registerModule(instants)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }
}
