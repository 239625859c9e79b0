package io.wharf.storage.disk;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The format of Wharf's small metadata files: UTF-8 {@code key=value} lines after a first line
 * naming the kind of file, then a last line {@code crc32c=<8 hex digits>} over every byte before
 * it. Readable by a person with {@code cat}, checkable by a program. Keys and values must not
 * contain a newline; values must not contain '\r'.
 *
 * <pre>
 * wharf-volume
 * formatVersion=1
 * id=db-data
 * crc32c=0a1b2c3d
 * </pre>
 */
public final class ChecksummedText {
    private static final String CRC_KEY = "crc32c=";

    private ChecksummedText() {}

    public static byte[] encode(String kind, Map<String, String> fields) {
        StringBuilder text = new StringBuilder(kind).append('\n');
        fields.forEach((key, value) -> {
            if (key.indexOf('\n') >= 0 || key.indexOf('=') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("metadata field " + key + " cannot be encoded");
            }
            text.append(key).append('=').append(value).append('\n');
        });
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        String trailer = CRC_KEY + String.format("%08x", crc(body, body.length)) + "\n";
        byte[] out = new byte[body.length + trailer.length()];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(trailer.getBytes(StandardCharsets.US_ASCII), 0, out, body.length, trailer.length());
        return out;
    }

    /**
     * @throws CorruptMetadataException when the kind differs, the checksum does not match, or a
     *                                  line is malformed
     */
    public static Map<String, String> decode(String kind, byte[] content) throws CorruptMetadataException {
        if (content.length == 0 || content[content.length - 1] != '\n') {
            throw new CorruptMetadataException("truncated (no final newline)");
        }
        int trailerStart = lastLineStart(content);
        String trailer = new String(content, trailerStart, content.length - 1 - trailerStart, StandardCharsets.US_ASCII);
        if (!trailer.matches("crc32c=[0-9a-f]{8}")) {
            throw new CorruptMetadataException("no checksum line");
        }
        long expected = Long.parseLong(trailer.substring(CRC_KEY.length()), 16);
        if (crc(content, trailerStart) != expected) {
            throw new CorruptMetadataException("checksum mismatch");
        }
        String[] lines = new String(content, 0, trailerStart, StandardCharsets.UTF_8).split("\n");
        if (lines.length == 0 || !lines[0].equals(kind)) {
            throw new CorruptMetadataException("not a " + kind + " file");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            if (eq <= 0) {
                throw new CorruptMetadataException("malformed line " + (i + 1));
            }
            fields.put(lines[i].substring(0, eq), lines[i].substring(eq + 1));
        }
        return fields;
    }

    private static int lastLineStart(byte[] content) {
        int end = content.length;
        if (end > 0 && content[end - 1] == '\n') {
            end--;
        }
        int i = end - 1;
        while (i >= 0 && content[i] != '\n') {
            i--;
        }
        return i + 1;
    }

    private static long crc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    /** The metadata file is damaged: a broken invariant, not an expected condition. */
    public static final class CorruptMetadataException extends Exception {
        private static final long serialVersionUID = 1L;

        public CorruptMetadataException(String message) {
            super(message);
        }
    }
}
