package io.wharf.metadata.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * JSON for {@link ModelRecord}s. Field names are the record components'; instants are
 * ISO-8601 strings ({@code 2025-01-31T12:00:00Z}); enums are their names. Reading ignores
 * fields it does not know and leaves missing ones null (0 for numbers), so a node reads what a
 * newer or older node wrote during a rolling upgrade.
 */
public final class ModelCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("wharf-instant")
                    .addSerializer(Instant.class, new InstantSerializer())
                    .addDeserializer(Instant.class, new InstantDeserializer()))
            .build();

    private ModelCodec() {}

    public static byte[] encode(ModelRecord record) {
        try {
            return MAPPER.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + record.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * @throws WharfException {@code INTERNAL} if the bytes are not a record of that type: the
     *                        cluster store holds something no Wharf version wrote
     */
    public static <T extends ModelRecord> T decode(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new WharfException(ErrorCode.INTERNAL, "cluster store holds an unreadable "
                    + type.getSimpleName() + ": " + e.getMessage(),
                    "report this with the key's value; the record was not written by a compatible Wharf version", e);
        }
    }

    private static final class InstantSerializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator generator, SerializerProvider provider) throws IOException {
            generator.writeString(value.toString());
        }
    }

    private static final class InstantDeserializer extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException, JacksonException {
            String text = parser.getValueAsString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException | NullPointerException e) {
                return (Instant) context.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
            }
        }
    }
}
