package io.wharf.replication.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Length-prefixed UTF-8 strings in payloads: u16 byte length, then the bytes. */
final class Strings {
    private Strings() {}

    static int encodedBytes(String value) {
        return 2 + value.getBytes(StandardCharsets.UTF_8).length;
    }

    static void write(ByteBuffer out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.putShort((short) bytes.length).put(bytes);
    }

    /** Reads one string of at most {@code maxBytes} bytes; rejects truncation and invalid UTF-8. */
    static DecodeResult<String> read(ByteBuffer in, int maxBytes, String what) {
        if (in.remaining() < 2) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, what + ": length missing");
        }
        int length = Short.toUnsignedInt(in.getShort());
        if (length > maxBytes) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, what + ": " + length + " bytes, at most " + maxBytes);
        }
        if (in.remaining() < length) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, what + ": " + length + " bytes announced, "
                    + in.remaining() + " present");
        }
        ByteBuffer bytes = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return new DecodeResult.Ok<>(chars.toString());
        } catch (CharacterCodingException e) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, what + ": not valid UTF-8");
        }
    }
}
