package io.wharf.node.replication;

import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

/** A misbehaving replica over a plain socket, driven frame by frame. */
final class FakeReplica {
    private FakeReplica() {}

    /** Answers HELLO and the first request (an OPEN_FENCED) as a replica would, then never reads again. */
    static void answerHelloAndOpenThenStopReading(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        ByteBuffer hello = readFrame(in);
        long helloId = hello.getLong(16);
        write(out, new Message.HelloOk(helloId, FrameCodec.PROTOCOL_VERSION, ReplicaNode.CLUSTER, "node-stalling"));
        ByteBuffer open = readFrame(in);
        write(out, new Message.Opened(open.getLong(16), 1, open.getLong(24), 64L << 20, 4096));
    }

    /** One whole frame: the 56-byte header, then the payload whose length is at byte 44. */
    private static ByteBuffer readFrame(DataInputStream in) throws IOException {
        byte[] header = new byte[FrameCodec.HEADER_BYTES];
        in.readFully(header);
        int payload = ByteBuffer.wrap(header).getInt(44);
        byte[] frame = new byte[FrameCodec.HEADER_BYTES + payload];
        System.arraycopy(header, 0, frame, 0, header.length);
        in.readFully(frame, header.length, payload);
        return ByteBuffer.wrap(frame);
    }

    private static void write(OutputStream out, Message message) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(message));
        FrameCodec.encode(message, frame);
        out.write(frame.array());
        out.flush();
    }
}
