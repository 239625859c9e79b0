package io.wharf.cli.mount;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The size an NBD export serves now, as a new client would be told: a fixed newstyle handshake,
 * {@code NBD_OPT_INFO} for the export, then {@code NBD_OPT_ABORT} (protocol: NetworkBlockDevice/nbd
 * {@code doc/proto.md}). A growable staging is sized by it, not by the API's record: the node
 * serving the volume may not serve a new size yet, and a device larger than what is served would
 * meet ENOSPC.
 */
final class NbdExportSize {
    private static final long NBD_MAGIC = 0x4e42444d41474943L;
    private static final long IHAVEOPT = 0x49484156454f5054L;
    private static final long REPLY_MAGIC = 0x3e889045565a9L;
    private static final int CLIENT_FIXED_NEWSTYLE_NO_ZEROES = 3;
    private static final int OPT_ABORT = 2;
    private static final int OPT_INFO = 6;
    private static final int REP_ACK = 1;
    private static final int REP_INFO = 3;
    private static final int REP_ERR_UNKNOWN = 0x8000_0006;
    private static final int INFO_EXPORT = 0;
    /** Replies to NBD_OPT_INFO are a few bytes; anything longer than this is skipped, never buffered. */
    private static final int MAX_KEPT_REPLY_BYTES = 64;
    /** A server answers NBD_OPT_INFO with a handful of replies; more means it is not speaking NBD. */
    private static final int MAX_REPLIES = 32;

    private NbdExportSize() {}

    static long of(LocalMounter.NbdTarget target, Duration timeout) {
        try (Socket socket = new Socket()) {
            int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            socket.setSoTimeout(timeoutMs);
            socket.connect(new InetSocketAddress(target.host(), target.port()), timeoutMs);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            if (in.readLong() != NBD_MAGIC || in.readLong() != IHAVEOPT) {
                throw protocol(target, "the greeting is not a newstyle NBD server's");
            }
            in.readUnsignedShort(); // handshake flags: fixed newstyle is all we need, and every server we talk to has it
            byte[] name = target.export().getBytes(StandardCharsets.UTF_8);
            out.writeInt(CLIENT_FIXED_NEWSTYLE_NO_ZEROES);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_INFO);
            out.writeInt(4 + name.length + 2);
            out.writeInt(name.length);
            out.write(name);
            out.writeShort(0);
            out.flush();
            long size = infoReplies(in, target);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_ABORT);
            out.writeInt(0);
            out.flush();
            return size;
        } catch (IOException e) {
            throw new WharfException(ErrorCode.UNAVAILABLE, "cannot ask the NBD server at " + target.host() + ":"
                    + target.port() + " for the size of export '" + target.export() + "': " + e.getMessage(),
                    "check that the Wharf node serving the volume is running and reachable from this machine", e);
        }
    }

    /** Reads the replies to NBD_OPT_INFO up to its ACK; returns the size from NBD_INFO_EXPORT. */
    private static long infoReplies(DataInputStream in, LocalMounter.NbdTarget target) throws IOException {
        long size = -1;
        for (int replies = 0; replies < MAX_REPLIES; replies++) {
            if (in.readLong() != REPLY_MAGIC) {
                throw protocol(target, "an option reply has the wrong magic");
            }
            in.readInt(); // the option answered
            int type = in.readInt();
            int length = in.readInt();
            if (length < 0) {
                throw protocol(target, "an option reply is longer than 2 GiB");
            }
            byte[] data = in.readNBytes(Math.min(length, MAX_KEPT_REPLY_BYTES));
            in.skipNBytes(length - data.length);
            if (type == REP_ACK) {
                if (size < 0) {
                    throw protocol(target, "NBD_OPT_INFO was acknowledged without the export's size");
                }
                return size;
            }
            if (type == REP_INFO && data.length >= 12 && (((data[0] & 0xff) << 8) | (data[1] & 0xff)) == INFO_EXPORT) {
                size = ByteBuffer.wrap(data, 2, 8).getLong();
            } else if (type == REP_ERR_UNKNOWN) {
                throw new WharfException(ErrorCode.NOT_FOUND, "the NBD server at " + target.host() + ":" + target.port()
                        + " does not serve export '" + target.export() + "'",
                        "check that the volume is attached to the node at that address (`wharf volume inspect`)");
            } else if (type < 0) {
                throw protocol(target, "NBD_OPT_INFO was refused (reply 0x" + Integer.toHexString(type) + ")");
            }
        }
        throw protocol(target, "more than " + MAX_REPLIES + " replies to NBD_OPT_INFO");
    }

    private static WharfException protocol(LocalMounter.NbdTarget target, String what) {
        return new WharfException(ErrorCode.MOUNT_FAILED, "the NBD server at " + target.host() + ":" + target.port()
                + " answered unexpectedly: " + what, "check that the address is a Wharf node's NBD port");
    }
}
