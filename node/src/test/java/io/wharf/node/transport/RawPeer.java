package io.wharf.node.transport;

import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;

/** A hand-driven protocol client over a plain socket: sends exactly the bytes a test chooses. */
final class RawPeer implements AutoCloseable {
    private final SocketChannel channel;
    private final ReadableByteChannel in;
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).flip();

    private RawPeer(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.socket().setSoTimeout(10_000); // reads through the adaptor stream honour it: no test hangs
        this.in = Channels.newChannel(channel.socket().getInputStream());
    }

    static RawPeer connect(int port) throws IOException {
        return new RawPeer(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
    }

    /** Connects and says Hello as node {@code nodeId} of {@code clusterId}. */
    static RawPeer greeted(int port, String clusterId) throws IOException {
        RawPeer peer = connect(port);
        peer.send(new Message.Hello(1, FrameCodec.PROTOCOL_VERSION, clusterId, "raw-peer"));
        if (!(peer.receive() instanceof Message.HelloOk)) {
            throw new AssertionError("no HELLO_OK");
        }
        return peer;
    }

    void send(Message message) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(message));
        FrameCodec.encode(message, frame);
        sendBytes(frame.flip());
    }

    void sendBytes(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** The next frame, decoded; fails the test on a malformed one or end of stream. */
    Message receive() throws IOException {
        while (true) {
            DecodeResult<Message> result = FrameCodec.decode(buffer);
            switch (result) {
                case DecodeResult.Ok<Message>(Message message) -> {
                    return message;
                }
                case DecodeResult.Malformed<Message> malformed -> throw new AssertionError("malformed reply: " + malformed);
                case DecodeResult.Incomplete<Message>(int needed) -> {
                    if (buffer.capacity() < needed) {
                        buffer = ByteBuffer.allocate(needed * 2).put(buffer).flip();
                    }
                    buffer.compact();
                    int read = in.read(buffer);
                    buffer.flip();
                    if (read < 0) {
                        throw new AssertionError("stream ended; expected a frame");
                    }
                }
            }
        }
    }

    /** Whether the server closed the connection: reads until end of stream (or a reset), discarding. */
    boolean closedByServer() throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(1 << 16);
        try {
            while (true) {
                sink.clear();
                if (in.read(sink) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // test cleanup
        }
    }
}
