package io.wharf.it;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately small, synchronous NBD client (fixed newstyle, NBD_OPT_EXPORT_NAME, simple
 * replies) so a test knows exactly which of its writes a FLUSH acknowledged. One request at a
 * time; not for speed.
 */
final class TinyNbdClient implements AutoCloseable {
    private static final long NBDMAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454F5054L;
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    private static final int OPT_EXPORT_NAME = 1;
    static final short CMD_READ = 0;
    static final short CMD_WRITE = 1;
    static final short CMD_FLUSH = 3;
    static final short CMD_TRIM = 4;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final long sizeBytes;
    private long handle;

    TinyNbdClient(int port, String export) throws IOException {
        this("127.0.0.1", port, export);
    }

    TinyNbdClient(String host, int port, String export) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        if (in.readLong() != NBDMAGIC || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD newstyle server");
        }
        int serverFlags = in.readUnsignedShort();
        int clientFlags = 1 | ((serverFlags & 2) != 0 ? 2 : 0); // FIXED_NEWSTYLE, NO_ZEROES if offered
        out.writeInt(clientFlags);
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        out.writeLong(IHAVEOPT);
        out.writeInt(OPT_EXPORT_NAME);
        out.writeInt(name.length);
        out.write(name);
        out.flush();
        sizeBytes = in.readLong();
        in.readUnsignedShort(); // transmission flags
        if ((clientFlags & 2) == 0) {
            in.skipNBytes(124);
        }
    }

    long sizeBytes() {
        return sizeBytes;
    }

    void write(long offset, byte[] data) throws IOException {
        send(CMD_WRITE, offset, data.length, data);
        awaitReply(null);
    }

    void flush() throws IOException {
        send(CMD_FLUSH, 0, 0, null);
        awaitReply(null);
    }

    void trim(long offset, int length) throws IOException {
        send(CMD_TRIM, offset, length, null);
        awaitReply(null);
    }

    byte[] read(long offset, int length) throws IOException {
        byte[] data = new byte[length];
        send(CMD_READ, offset, length, null);
        awaitReply(data);
        return data;
    }

    private void send(short command, long offset, int length, byte[] payload) throws IOException {
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(0);
        out.writeShort(command);
        out.writeLong(++handle);
        out.writeLong(offset);
        out.writeInt(length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    private void awaitReply(byte[] data) throws IOException {
        if (in.readInt() != SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic");
        }
        int error = in.readInt();
        long replyHandle = in.readLong();
        if (replyHandle != handle) {
            throw new IOException("reply for handle " + replyHandle + ", expected " + handle);
        }
        if (error != 0) {
            throw new IOException("NBD error " + error);
        }
        if (data != null) {
            in.readFully(data);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
