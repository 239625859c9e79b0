package io.wharf.csi;

import csi.v1.ControllerGrpc;
import csi.v1.IdentityGrpc;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.wharf.api.ApiJson;
import io.wharf.api.VolumeInfo;
import io.wharf.api.client.ApiClient;
import io.wharf.cli.mount.CommandRunner;
import io.wharf.cli.mount.LocalMounter;
import io.wharf.cli.mount.MountRecord;
import io.wharf.cli.mount.MountSettings;
import io.wharf.cli.mount.MountTable;
import io.wharf.cli.mount.Transport;
import io.wharf.core.ByteSize;
import io.wharf.node.NodeConfig;
import io.wharf.node.WharfNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Wharf node (in this JVM, on free loopback ports, zone {@code zone-a}, rack {@code rack-1})
 * and the CSI server on a unix socket in a temporary directory, called through a gRPC client over
 * that socket, as the kubelet and the sidecars call it. {@link #cleanUp()} undoes everything the
 * tests made through it, and only that: the publications and mounts recorded in this fixture's
 * own state directory, then every volume of this fixture's own node.
 */
final class CsiFixture implements AutoCloseable {
    static final String NODE_ID = "node-1";
    static final Duration CALL_DEADLINE = Duration.ofSeconds(120);

    final Path root;
    final WharfNode node;
    final CsiServer server;
    final ApiClient api;
    private final EventLoopGroup clientLoop;
    private final ManagedChannel channel;

    private CsiFixture(Path root, WharfNode node, CsiServer server, ApiClient api, EventLoopGroup clientLoop,
                       ManagedChannel channel) {
        this.root = root;
        this.node = node;
        this.server = server;
        this.api = api;
        this.clientLoop = clientLoop;
        this.channel = channel;
    }

    static CsiFixture start(Path root) throws IOException {
        NodeConfig config = new NodeConfig(root.resolve("node"), NODE_ID, "127.0.0.1", "127.0.0.1", 0, 0,
                256 * ByteSize.GIB, 0, 2.0, Duration.ofSeconds(30), null, "zone-a", "rack-1", false, -1, Map.of(),
                Duration.ofSeconds(6), Duration.ofMinutes(10), 100L << 20);
        WharfNode node = WharfNode.start(config);
        CsiServer server = null;
        try {
            URI api = URI.create("http://127.0.0.1:" + node.apiPort());
            server = CsiServer.start(new CsiConfig(root.resolve("plugin/csi.sock"), NODE_ID, api,
                    root.resolve("state"), CsiConfig.DEFAULT_DRIVER_NAME, Duration.ofSeconds(60)));
            EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(server.socket().toFile()))
                    .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop)
                    .withOption(io.netty.channel.ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
            return new CsiFixture(root, node, server, new ApiClient(api), loop, channel);
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            node.close();
            throw e;
        }
    }

    IdentityGrpc.IdentityBlockingStub identity() {
        return IdentityGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    ControllerGrpc.ControllerBlockingStub controller() {
        return ControllerGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    NodeGrpc.NodeBlockingStub node() {
        return NodeGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    /** A fresh directory for a test's staging and target paths. */
    Path directory(String name) throws IOException {
        return Files.createDirectories(root.resolve("paths").resolve(name));
    }

    LocalMounter mounter() {
        return new LocalMounter(new MountSettings(root.resolve("state/mounts"), Transport.AUTO, Duration.ofSeconds(60),
                true));
    }

    /** Undoes what tests left: publications, then stagings, then the node's volumes. Failures are collected. */
    void cleanUp() {
        List<Throwable> failures = new ArrayList<>();
        CommandRunner commands = new CommandRunner(Duration.ofSeconds(60));
        Path publications = root.resolve("state/publications");
        if (Files.isDirectory(publications)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(publications, "*.json")) {
                for (Path file : files) {
                    try {
                        Map<?, ?> publication = ApiJson.reader().readValue(file.toFile(), Map.class);
                        Path target = Path.of((String) publication.get("targetPath"));
                        while (MountTable.isMountPoint(target)) {
                            commands.runChecked("umount", target.toString());
                        }
                        Files.deleteIfExists(target);
                        Files.delete(file);
                    } catch (IOException | RuntimeException e) {
                        failures.add(e);
                    }
                }
            } catch (IOException e) {
                failures.add(e);
            }
        }
        LocalMounter mounter = mounter();
        for (MountRecord record : mounter.mounts()) {
            try {
                mounter.unmount(Path.of(record.path()));
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        for (VolumeInfo volume : api.listVolumes()) {
            try {
                if (volume.attachedTo() != null) {
                    api.detachVolume(volume.name());
                }
                api.deleteVolume(volume.name(), true);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("cleanup failed: " + failures.getFirst(), failures.getFirst());
            failures.subList(1, failures.size()).forEach(error::addSuppressed);
            throw error;
        }
    }

    @Override
    public void close() {
        try {
            cleanUp();
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server.close();
            api.close();
            node.close();
        }
    }
}
