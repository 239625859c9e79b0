package io.wharf.nbd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, deliberately literal NBD client for tests: it can speak the protocol correctly or send
 * exactly the bytes a test wants. Not thread-safe except that one thread may send while another
 * reads replies.
 */
final class RawClient implements AutoCloseable {
    static final long NBD_MAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454f5054L;
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_LIST = 3;
    static final int OPT_STARTTLS = 5;
    static final int OPT_INFO = 6;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;
    static final int OPT_LIST_META_CONTEXT = 9;
    static final int OPT_SET_META_CONTEXT = 10;
    static final int OPT_EXTENDED_HEADERS = 11;

    static final int REP_ACK = 1;
    static final int REP_SERVER = 2;
    static final int REP_INFO = 3;
    static final int REP_META_CONTEXT = 4;
    static final int REP_ERR_UNSUP = 0x8000_0001;
    static final int REP_ERR_POLICY = 0x8000_0002;
    static final int REP_ERR_INVALID = 0x8000_0003;
    static final int REP_ERR_UNKNOWN = 0x8000_0006;
    static final int REP_ERR_TOO_BIG = 0x8000_0009;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;
    static final int CMD_BLOCK_STATUS = 7;
    static final int FLAG_FUA = 1;
    static final int FLAG_NO_HOLE = 2;
    static final int FLAG_DF = 4;
    static final int FLAG_REQ_ONE = 8;
    static final int FLAG_FAST_ZERO = 16;

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    private final Map<Long, long[]> pendingReads = new HashMap<>();
    long sizeBytes;
    int transmissionFlags;
    boolean structured;
    int contextId = -1;
    final Map<Integer, byte[]> infos = new HashMap<>();

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
    }

    static RawClient connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(20_000);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new RawClient(socket);
    }

    /** Connects and negotiates up to transmission with NBD_OPT_GO. */
    static RawClient open(int port, String export, boolean structuredReplies, boolean blockStatus) throws IOException {
        RawClient client = connect(port);
        try {
            client.greet();
            if (structuredReplies) {
                client.option(OPT_STRUCTURED_REPLY, new byte[0]);
                expect(client.readOptionReply(), REP_ACK);
                client.structured = true;
            }
            if (blockStatus) {
                client.option(OPT_SET_META_CONTEXT, metaContextData(export, "base:allocation"));
                OptionReply reply = client.readOptionReply();
                expect(reply, REP_META_CONTEXT);
                client.contextId = ByteBuffer.wrap(reply.data()).getInt();
                expect(client.readOptionReply(), REP_ACK);
            }
            client.go(OPT_GO, export, 3);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Reads the server greeting and sends client flags FIXED_NEWSTYLE | NO_ZEROES. */
    int greet() throws IOException {
        if (in.readLong() != NBD_MAGIC || in.readLong() != IHAVEOPT) {
            throw new IOException("bad server greeting");
        }
        int flags = in.readUnsignedShort();
        out.writeInt(3);
        out.flush();
        return flags;
    }

    /** Sends NBD_OPT_INFO or NBD_OPT_GO and reads the replies; returns the final reply type. */
    int go(int option, String export, int... infoRequests) throws IOException {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2 * infoRequests.length);
        data.putInt(name.length).put(name).putShort((short) infoRequests.length);
        for (int request : infoRequests) {
            data.putShort((short) request);
        }
        option(option, data.array());
        while (true) {
            OptionReply reply = readOptionReply();
            if (reply.type() == REP_INFO) {
                ByteBuffer info = ByteBuffer.wrap(reply.data());
                int type = info.getShort();
                if (type == 0) {
                    sizeBytes = info.getLong();
                    transmissionFlags = info.getShort() & 0xffff;
                }
                infos.put(type, reply.data());
                continue;
            }
            if (reply.type() != REP_ACK && option == OPT_GO) {
                throw new IOException("NBD_OPT_GO failed with reply 0x" + Integer.toHexString(reply.type())
                        + ": " + new String(reply.data(), StandardCharsets.UTF_8));
            }
            return reply.type();
        }
    }

    static byte[] metaContextData(String export, String... queries) {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        int length = 4 + name.length + 4;
        for (String query : queries) {
            length += 4 + query.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer data = ByteBuffer.allocate(length).putInt(name.length).put(name).putInt(queries.length);
        for (String query : queries) {
            byte[] bytes = query.getBytes(StandardCharsets.UTF_8);
            data.putInt(bytes.length).put(bytes);
        }
        return data.array();
    }

    void option(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    record OptionReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    OptionReply readOptionReply() throws IOException {
        long magic = in.readLong();
        if (magic != OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic 0x" + Long.toHexString(magic));
        }
        int option = in.readInt();
        int type = in.readInt();
        int length = in.readInt();
        if (length < 0 || length > 1 << 20) {
            throw new IOException("option reply too long: " + length);
        }
        byte[] data = new byte[length];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    static OptionReply expect(OptionReply reply, int type) throws IOException {
        if (reply.type() != type) {
            throw new IOException("expected option reply 0x" + Integer.toHexString(type) + " but got 0x"
                    + Integer.toHexString(reply.type()) + " " + reply.text());
        }
        return reply;
    }

    void send(int flags, int type, long handle, long offset, long length, byte[] payload) throws IOException {
        if (type == CMD_READ) {
            synchronized (pendingReads) {
                pendingReads.put(handle, new long[] {offset, length});
            }
        }
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(handle);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** A reply: error 0 is success; data for reads; extents as (length, flags) pairs. */
    record Reply(long handle, int error, byte[] data, List<long[]> extents, String message, int chunks) {}

    Reply readReply() throws IOException {
        int magic = in.readInt();
        if (magic == SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            long handle = in.readLong();
            long[] read;
            synchronized (pendingReads) {
                read = pendingReads.remove(handle);
            }
            byte[] data = null;
            if (read != null && error == 0) {
                data = new byte[(int) read[1]];
                in.readFully(data);
            }
            return new Reply(handle, error, data, List.of(), "", 1);
        }
        if (magic != STRUCTURED_REPLY_MAGIC) {
            throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        }
        return readStructured();
    }

    private Reply readStructured() throws IOException {
        int error = 0;
        String message = "";
        List<long[]> extents = new ArrayList<>();
        byte[] data = null;
        long handle;
        int chunks = 0;
        boolean first = true;
        while (true) {
            if (!first && in.readInt() != STRUCTURED_REPLY_MAGIC) {
                throw new IOException("bad structured chunk magic");
            }
            first = false;
            chunks++;
            int flags = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            handle = in.readLong();
            int length = in.readInt();
            long[] read;
            synchronized (pendingReads) {
                read = pendingReads.get(handle);
            }
            if (read != null && data == null && (type == 1 || type == 2)) {
                data = new byte[(int) read[1]];
            }
            switch (type) {
                case 0 -> { }
                case 1 -> {
                    long offset = in.readLong();
                    in.readFully(data, (int) (offset - read[0]), length - 8);
                }
                case 2 -> {
                    in.readLong();
                    in.readInt();
                }
                case 5 -> {
                    in.readInt();
                    for (int i = 0; i < (length - 4) / 8; i++) {
                        extents.add(new long[] {Integer.toUnsignedLong(in.readInt()), in.readInt()});
                    }
                }
                case 0x8001 -> {
                    error = in.readInt();
                    byte[] text = new byte[in.readUnsignedShort()];
                    in.readFully(text);
                    message = new String(text, StandardCharsets.UTF_8);
                    in.skipNBytes(length - 6 - text.length);
                }
                default -> throw new IOException("unexpected chunk type " + type);
            }
            if ((flags & 1) != 0) {
                synchronized (pendingReads) {
                    pendingReads.remove(handle);
                }
                if (error == 0 && read != null && data == null) {
                    data = new byte[0];
                }
                return new Reply(handle, error, error == 0 ? data : null, extents, message, chunks);
            }
        }
    }

    Reply call(int flags, int type, long offset, long length, byte[] payload) throws IOException {
        long handle = System.nanoTime();
        send(flags, type, handle, offset, length, payload);
        Reply reply = readReply();
        if (reply.handle() != handle) {
            throw new IOException("reply for another handle");
        }
        return reply;
    }

    byte[] read(long offset, int length) throws IOException {
        Reply reply = call(0, CMD_READ, offset, length, null);
        if (reply.error() != 0) {
            throw new IOException("read failed with error " + reply.error() + " " + reply.message());
        }
        return reply.data();
    }

    void write(long offset, byte[] data) throws IOException {
        Reply reply = call(0, CMD_WRITE, offset, data.length, data);
        if (reply.error() != 0) {
            throw new IOException("write failed with error " + reply.error() + " " + reply.message());
        }
    }

    /** Sends NBD_CMD_DISC and waits for the server to close. */
    void disconnect() throws IOException {
        send(0, CMD_DISC, 0, 0, 0, null);
        try {
            while (in.read() >= 0) {
                // drain until the server closes
            }
        } catch (EOFException e) {
            // closed
        }
    }

    /** True when the server has closed the connection (read returns end of stream or reset). */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // test cleanup
        }
    }
}
