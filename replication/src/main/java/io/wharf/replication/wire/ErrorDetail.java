package io.wharf.replication.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The payload of a failed {@link Message.Reply}: the {@link io.wharf.core.ErrorCode} name (kept as a
 * string, so a code a newer peer added survives the trip) and a message for people.
 *
 * <p>Encoding: u16 code length, code (ASCII), u16 message length, message (UTF-8, at most
 * {@link #MAX_MESSAGE_BYTES}; longer messages are cut at a character boundary).
 */
public record ErrorDetail(String code, String message) {
    public static final int MAX_MESSAGE_BYTES = 1024;
    public static final int MAX_CODE_BYTES = 64;
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0," + (MAX_CODE_BYTES - 1) + "}");

    public ErrorDetail {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        if (!CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("error code '" + code + "' is not an error code name");
        }
    }

    public ByteBuffer encode() {
        byte[] codeBytes = code.getBytes(StandardCharsets.US_ASCII);
        byte[] messageBytes = truncate(message.getBytes(StandardCharsets.UTF_8));
        ByteBuffer buffer = ByteBuffer.allocate(4 + codeBytes.length + messageBytes.length);
        buffer.putShort((short) codeBytes.length).put(codeBytes).putShort((short) messageBytes.length).put(messageBytes);
        return buffer.flip();
    }

    /** Decodes the remaining bytes of {@code payload} (without moving its position). */
    public static DecodeResult<ErrorDetail> decode(ByteBuffer payload) {
        ByteBuffer in = payload.duplicate();
        DecodeResult<String> code = Strings.read(in, MAX_CODE_BYTES, "error code");
        if (!(code instanceof DecodeResult.Ok<String>(String codeName))) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "error detail: " + code);
        }
        if (!CODE.matcher(codeName).matches()) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "error code '" + codeName + "' is not an error code name");
        }
        DecodeResult<String> message = Strings.read(in, MAX_MESSAGE_BYTES, "error message");
        if (!(message instanceof DecodeResult.Ok<String>(String text))) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, "error detail: " + message);
        }
        if (in.hasRemaining()) {
            return DecodeResult.malformed(DecodeError.Kind.BAD_PAYLOAD, in.remaining() + " bytes after the error detail");
        }
        return new DecodeResult.Ok<>(new ErrorDetail(codeName, text));
    }

    private static byte[] truncate(byte[] bytes) {
        if (bytes.length <= MAX_MESSAGE_BYTES) {
            return bytes;
        }
        int end = MAX_MESSAGE_BYTES;
        while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }
}
