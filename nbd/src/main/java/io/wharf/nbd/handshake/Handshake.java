package io.wharf.nbd.handshake;

import io.wharf.nbd.NbdExport;
import io.wharf.nbd.NbdExports;
import io.wharf.nbd.wire.WireInput;
import io.wharf.nbd.wire.WireOutput;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs the server side of the fixed newstyle handshake on one connection. Not thread-safe; one
 * instance per connection, used once.
 */
public final class Handshake {
    public static final long NBD_MAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454f5054L;
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 1 << 1;
    /** Largest option data accepted; an export name (4096 bytes) plus framing fits easily. */
    public static final int MAX_OPTION_BYTES = 64 * 1024;
    /** Longest string (export name, query, description) the protocol allows. */
    public static final int MAX_STRING_BYTES = 4096;
    /** Options one connection may send before it is considered abusive and closed. */
    public static final int MAX_OPTIONS = 10_000;
    public static final String ALLOCATION_CONTEXT = "base:allocation";
    public static final int MINIMUM_BLOCK_BYTES = 1;
    public static final int PREFERRED_BLOCK_BYTES = 4096;

    private static final int ZERO_PADDING_BYTES = 124;

    private final NbdExports exports;
    private final WireInput in;
    private final GatheringByteChannel out;
    private final int maxPayloadBytes;
    private final Consumer<String> exportChosen;

    private boolean fixedNewstyle;
    private boolean noZeroes;
    private boolean structuredReplies;
    /** The export for which {@code base:allocation} is selected, or null. */
    private String allocationContextExport;

    /**
     * @param exportChosen told the export name a client is about to enter transmission with, before
     *     the export is looked up (and {@code null} if that fails), so that a forced disconnect that
     *     runs after the export was removed cannot miss this connection
     */
    public Handshake(NbdExports exports, WireInput in, GatheringByteChannel out, int maxPayloadBytes,
            Consumer<String> exportChosen) {
        this.exports = exports;
        this.in = in;
        this.out = out;
        this.maxPayloadBytes = maxPayloadBytes;
        this.exportChosen = exportChosen;
    }

    public Negotiation run() throws IOException {
        ByteBuffer greeting = ByteBuffer.allocate(18)
                .putLong(NBD_MAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
        WireOutput.writeFully(out, greeting);
        if (!in.fill(4)) {
            return new Negotiation.Ended("client closed before sending its flags");
        }
        int clientFlags = in.getInt();
        if ((clientFlags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) != 0) {
            return new Negotiation.Ended("client sent unknown flags 0x" + Integer.toHexString(clientFlags));
        }
        fixedNewstyle = (clientFlags & FLAG_FIXED_NEWSTYLE) != 0;
        noZeroes = (clientFlags & FLAG_NO_ZEROES) != 0;
        for (int count = 0; count < MAX_OPTIONS; count++) {
            Negotiation result = nextOption();
            if (result != null) {
                return result;
            }
        }
        return new Negotiation.Ended("client sent more than " + MAX_OPTIONS + " options");
    }

    /** Handles one option; returns how negotiation ended, or null to continue. */
    private Negotiation nextOption() throws IOException {
        if (!in.fill(16)) {
            return new Negotiation.Ended("client closed during option haggling");
        }
        if (in.getLong() != IHAVEOPT) {
            return new Negotiation.Ended("bad option magic");
        }
        int option = in.getInt();
        long length = Integer.toUnsignedLong(in.getInt());
        if (length > MAX_OPTION_BYTES) {
            if (option != Option.EXPORT_NAME && fixedNewstyle) {
                replyError(option, OptionReply.ERR_TOO_BIG,
                        "option data of " + length + " bytes exceeds the limit of " + MAX_OPTION_BYTES);
            }
            return new Negotiation.Ended("option " + option + " data too large: " + length + " bytes");
        }
        byte[] data = new byte[(int) length];
        in.readFully(data);
        if (!fixedNewstyle && option != Option.EXPORT_NAME) {
            return new Negotiation.Ended("option " + option + " from a client without fixed newstyle");
        }
        ByteBuffer body = ByteBuffer.wrap(data);
        return switch (option) {
            case Option.EXPORT_NAME -> exportName(body);
            case Option.ABORT -> {
                reply(option, OptionReply.ACK);
                yield new Negotiation.Ended("client aborted negotiation");
            }
            case Option.LIST -> list(body);
            case Option.STARTTLS -> replyError(option, body.hasRemaining() ? OptionReply.ERR_INVALID : OptionReply.ERR_POLICY,
                    "TLS is not offered by this server");
            case Option.INFO, Option.GO -> info(option, body);
            case Option.STRUCTURED_REPLY -> structuredReply(body);
            case Option.LIST_META_CONTEXT, Option.SET_META_CONTEXT -> metaContext(option, body);
            default -> replyError(option, OptionReply.ERR_UNSUP, "option " + option + " is not supported");
        };
    }

    private Negotiation exportName(ByteBuffer body) throws IOException {
        String name;
        try {
            name = string(body, body.remaining());
        } catch (InvalidOption e) {
            return new Negotiation.Ended("NBD_OPT_EXPORT_NAME: " + e.getMessage());
        }
        Optional<NbdExport> found = choose(name);
        if (found.isEmpty()) {
            return new Negotiation.Ended("NBD_OPT_EXPORT_NAME: no export named '" + printable(name) + "'");
        }
        Session session = session(name, found.get());
        ByteBuffer reply = ByteBuffer.allocate(10 + (noZeroes ? 0 : ZERO_PADDING_BYTES))
                .putLong(session.sizeBytes()).putShort((short) session.transmissionFlags());
        WireOutput.writeFully(out, reply.clear());
        return session;
    }

    private Negotiation list(ByteBuffer body) throws IOException {
        if (body.hasRemaining()) {
            return replyError(Option.LIST, OptionReply.ERR_INVALID, "NBD_OPT_LIST takes no data");
        }
        List<String> names = exports.names();
        for (String name : names) {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            if (bytes.length <= MAX_STRING_BYTES) {
                reply(Option.LIST, OptionReply.SERVER, ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).flip());
            }
        }
        reply(Option.LIST, OptionReply.ACK);
        return null;
    }

    private Negotiation structuredReply(ByteBuffer body) throws IOException {
        if (body.hasRemaining()) {
            return replyError(Option.STRUCTURED_REPLY, OptionReply.ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
        }
        structuredReplies = true;
        reply(Option.STRUCTURED_REPLY, OptionReply.ACK);
        return null;
    }

    private Negotiation info(int option, ByteBuffer body) throws IOException {
        String name;
        boolean wantName = false;
        boolean wantDescription = false;
        try {
            long nameLength = u32(body);
            if (nameLength > body.remaining() - 2L) {
                throw new InvalidOption("export name length " + nameLength + " exceeds the option data");
            }
            name = string(body, (int) nameLength);
            int requests = u16(body);
            if (body.remaining() != requests * 2) {
                throw new InvalidOption("information request list does not match the option length");
            }
            for (int i = 0; i < requests; i++) {
                int type = u16(body);
                wantName |= type == OptionReply.INFO_NAME;
                wantDescription |= type == OptionReply.INFO_DESCRIPTION;
            }
        } catch (InvalidOption e) {
            return replyError(option, OptionReply.ERR_INVALID, e.getMessage());
        }
        Optional<NbdExport> found = option == Option.GO ? choose(name) : exports.find(name);
        if (found.isEmpty()) {
            return replyError(option, OptionReply.ERR_UNKNOWN, "no export named '" + printable(name) + "'");
        }
        NbdExport export = found.get();
        Session session = session(name, export);
        reply(option, OptionReply.INFO, ByteBuffer.allocate(12).putShort((short) OptionReply.INFO_EXPORT)
                .putLong(session.sizeBytes()).putShort((short) session.transmissionFlags()).flip());
        if (wantName) {
            infoString(option, OptionReply.INFO_NAME, export.name());
        }
        String description = export.description();
        if (wantDescription && description != null && !description.isEmpty()) {
            infoString(option, OptionReply.INFO_DESCRIPTION, description);
        }
        reply(option, OptionReply.INFO, ByteBuffer.allocate(14).putShort((short) OptionReply.INFO_BLOCK_SIZE)
                .putInt(MINIMUM_BLOCK_BYTES).putInt(PREFERRED_BLOCK_BYTES).putInt(maxPayloadBytes).flip());
        reply(option, OptionReply.ACK);
        return option == Option.GO ? session : null;
    }

    private Negotiation metaContext(int option, ByteBuffer body) throws IOException {
        boolean set = option == Option.SET_META_CONTEXT;
        if (set) {
            allocationContextExport = null;
        }
        if (!structuredReplies) {
            return replyError(option, OptionReply.ERR_INVALID, "negotiate structured replies first");
        }
        String name;
        boolean allocation = false;
        try {
            long nameLength = u32(body);
            if (nameLength > body.remaining() - 4L) {
                throw new InvalidOption("export name length " + nameLength + " exceeds the option data");
            }
            name = string(body, (int) nameLength);
            long queries = u32(body);
            if (queries > body.remaining() / 4) {
                throw new InvalidOption("query count " + queries + " exceeds the option data");
            }
            if (queries == 0) {
                allocation = !set;
            }
            for (long i = 0; i < queries; i++) {
                long queryLength = u32(body);
                if (queryLength > body.remaining()) {
                    throw new InvalidOption("query length " + queryLength + " exceeds the option data");
                }
                String query = string(body, (int) queryLength);
                allocation |= query.equals(ALLOCATION_CONTEXT) || (!set && query.equals("base:"));
            }
            if (body.hasRemaining()) {
                throw new InvalidOption("trailing bytes after the last query");
            }
        } catch (InvalidOption e) {
            return replyError(option, OptionReply.ERR_INVALID, e.getMessage());
        }
        if (exports.find(name).isEmpty()) {
            return replyError(option, OptionReply.ERR_UNKNOWN, "no export named '" + printable(name) + "'");
        }
        if (allocation) {
            byte[] context = ALLOCATION_CONTEXT.getBytes(StandardCharsets.US_ASCII);
            int id = set ? Session.ALLOCATION_CONTEXT_ID : 0;
            reply(option, OptionReply.META_CONTEXT, ByteBuffer.allocate(4 + context.length).putInt(id).put(context).flip());
            if (set) {
                allocationContextExport = name;
            }
        }
        reply(option, OptionReply.ACK);
        return null;
    }

    private Optional<NbdExport> choose(String name) {
        exportChosen.accept(name);
        Optional<NbdExport> found = exports.find(name);
        if (found.isEmpty()) {
            exportChosen.accept(null);
        }
        return found;
    }

    private Session session(String name, NbdExport export) {
        boolean allocation = structuredReplies && name.equals(allocationContextExport);
        return new Session(export, name, export.sizeBytes(), ExportFlags.forExport(export), structuredReplies, allocation);
    }

    private void infoString(int option, int type, String value) throws IOException {
        byte[] bytes = truncate(value.getBytes(StandardCharsets.UTF_8), MAX_STRING_BYTES);
        reply(option, OptionReply.INFO, ByteBuffer.allocate(2 + bytes.length).putShort((short) type).put(bytes).flip());
    }

    private void reply(int option, int type) throws IOException {
        reply(option, type, ByteBuffer.allocate(0));
    }

    private void reply(int option, int type, ByteBuffer data) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(20)
                .putLong(OptionReply.MAGIC).putInt(option).putInt(type).putInt(data.remaining()).flip();
        WireOutput.writeFully(out, new ByteBuffer[] {header, data}, 2);
    }

    /** Sends an error reply (with a message for the user) and continues negotiation. */
    private Negotiation replyError(int option, int type, String message) throws IOException {
        byte[] bytes = truncate(message.getBytes(StandardCharsets.UTF_8), MAX_STRING_BYTES);
        reply(option, type, ByteBuffer.wrap(bytes));
        return null;
    }

    private static long u32(ByteBuffer body) throws InvalidOption {
        if (body.remaining() < 4) {
            throw new InvalidOption("option data too short");
        }
        return Integer.toUnsignedLong(body.getInt());
    }

    private static int u16(ByteBuffer body) throws InvalidOption {
        if (body.remaining() < 2) {
            throw new InvalidOption("option data too short");
        }
        return Short.toUnsignedInt(body.getShort());
    }

    /** A protocol string: at most 4096 bytes of UTF-8 without NUL. */
    private static String string(ByteBuffer body, int length) throws InvalidOption {
        if (length > MAX_STRING_BYTES) {
            throw new InvalidOption("string of " + length + " bytes is longer than " + MAX_STRING_BYTES);
        }
        ByteBuffer slice = body.slice(body.position(), length);
        body.position(body.position() + length);
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
        } catch (CharacterCodingException e) {
            throw new InvalidOption("string is not valid UTF-8");
        }
        String text = chars.toString();
        if (text.indexOf('\0') >= 0) {
            throw new InvalidOption("string contains NUL");
        }
        return text;
    }

    private static byte[] truncate(byte[] bytes, int max) {
        if (bytes.length <= max) {
            return bytes;
        }
        int end = max;
        while (end > 0 && (bytes[end] & 0xc0) == 0x80) {
            end--; // do not cut a UTF-8 sequence in half
        }
        byte[] shorter = new byte[end];
        System.arraycopy(bytes, 0, shorter, 0, end);
        return shorter;
    }

    /** For log and error messages: control characters escaped, long names shortened. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(128).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return text.codePointCount(0, text.length()) > 128 ? out + "..." : out.toString();
    }

    /** Option data that does not parse; answered with NBD_REP_ERR_INVALID. */
    private static final class InvalidOption extends Exception {
        InvalidOption(String message) {
            super(message, null, false, false);
        }
    }
}
