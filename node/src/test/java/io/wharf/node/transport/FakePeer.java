package io.wharf.node.transport;

import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A scripted replica peer: accepts connections and answers each frame as {@code script} says
 * (nothing, for a peer that hangs). For what a real server would never do: stop answering, answer
 * with another version.
 */
final class FakePeer implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final Function<Message, Optional<Message>> script;
    private final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakePeer(Function<Message, Optional<Message>> script) throws IOException {
        this.script = script;
        this.listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        this.acceptor = Thread.ofPlatform().daemon(true).name("fake-peer").start(this::accept);
    }

    /** Answers HELLO and OPEN like a server with one volume of {@code sizeBytes}, and nothing else. */
    static Function<Message, Optional<Message>> answersOnlyHelloAndOpen(String clusterId, long sizeBytes) {
        return message -> switch (message) {
            case Message.Hello hello -> Optional.of(new Message.HelloOk(hello.requestId(), FrameCodec.PROTOCOL_VERSION, clusterId, "fake"));
            case Message.Open open -> Optional.of(new Message.Opened(open.requestId(), 1, open.epoch(), sizeBytes, 4096));
            default -> Optional.empty();
        };
    }

    int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    private void accept() {
        try {
            while (true) {
                SocketChannel channel = listener.accept();
                accepted.add(channel);
                Thread.ofPlatform().daemon(true).name("fake-peer-connection").start(() -> serve(channel));
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void serve(SocketChannel channel) {
        ByteBuffer buffer = ByteBuffer.allocate(4 << 20).flip();
        try {
            while (true) {
                switch (FrameCodec.decode(buffer)) {
                    case DecodeResult.Ok<Message>(Message message) -> {
                        Optional<Message> answer = script.apply(message);
                        if (answer.isPresent()) {
                            ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(answer.get()));
                            FrameCodec.encode(answer.get(), frame);
                            frame.flip();
                            while (frame.hasRemaining()) {
                                channel.write(frame);
                            }
                        }
                    }
                    case DecodeResult.Malformed<Message> _ -> {
                        channel.close();
                        return;
                    }
                    case DecodeResult.Incomplete<Message> _ -> {
                        buffer.compact();
                        int read = channel.read(buffer);
                        buffer.flip();
                        if (read < 0) {
                            channel.close();
                            return;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (SocketChannel channel : accepted) {
            channel.close();
        }
        try {
            acceptor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
