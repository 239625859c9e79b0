package io.wharf.csi;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.wharf.api.WharfApi;
import io.wharf.api.client.ApiClient;
import io.wharf.cli.mount.LocalMounter;
import io.wharf.cli.mount.MountSettings;
import io.wharf.cli.mount.Transport;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.csi.controller.ControllerService;
import io.wharf.csi.node.NodeService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI plugin: Identity, Controller and Node on one unix socket (grpc-java over Netty's
 * native epoll domain sockets). Each call runs on its own virtual thread: calls block on the
 * REST API and on mount tools, never on the event loop. Closing stops taking calls, lets the
 * ones in progress finish for a while, and removes the socket.
 */
public final class CsiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CsiServer.class);
    private static final Duration GRACE = Duration.ofSeconds(30);

    private final CsiConfig config;
    private final Server server;
    private final EventLoopGroup loop;
    private final ExecutorService calls;
    private final ApiClient api;

    private CsiServer(CsiConfig config, Server server, EventLoopGroup loop, ExecutorService calls, ApiClient api) {
        this.config = config;
        this.server = server;
        this.loop = loop;
        this.calls = calls;
        this.api = api;
    }

    public static CsiServer start(CsiConfig config) {
        if (!Epoll.isAvailable()) {
            throw new WharfException(ErrorCode.INTERNAL, "Netty's native epoll transport is not available: "
                    + Epoll.unavailabilityCause(), "the CSI plugin runs on Linux x86-64");
        }
        log.atInfo().addKeyValue("config", config).log("starting CSI plugin");
        ApiClient api = new ApiClient(config.api());
        MountSettings mounts = MountSettings.defaults().withStateRoot(config.stateDir().resolve("mounts"))
                .withTransport(Transport.AUTO);
        mounts = new MountSettings(mounts.stateRoot(), mounts.transport(), config.stepTimeout(), mounts.runningAsRoot());
        List<BindableService> services = List.of(
                new IdentityService(config.driverName(), api),
                new ControllerService(api, new OperationLocks()),
                new NodeService(config, api, new LocalMounter(mounts), new OperationLocks()));
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("csi-call-", 0).factory());
        try {
            Path socket = config.socket();
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket); // a previous run's socket; nothing else may live at this path
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(loop)
                    .workerEventLoopGroup(loop)
                    // grpc-netty sets TCP keep-alive on every connection; a unix socket has none
                    // (null removes the option, else Netty warns once per connection)
                    .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                    .executor(calls);
            services.forEach(builder::addService);
            Server server = builder.build().start();
            log.atInfo().addKeyValue("socket", socket).addKeyValue("node", config.nodeId())
                    .addKeyValue("api", config.api()).log("CSI plugin serving");
            return new CsiServer(config, server, loop, calls, api);
        } catch (IOException | RuntimeException e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            calls.shutdownNow();
            api.close();
            throw e instanceof WharfException w ? w : new WharfException(ErrorCode.IO_ERROR,
                    "cannot serve CSI on " + config.socket() + ": " + e.getMessage(),
                    "check that the socket's directory is writable", e);
        }
    }

    public Path socket() {
        return config.socket();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(GRACE.toSeconds(), TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        calls.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        api.close();
        try {
            Files.deleteIfExists(config.socket());
        } catch (IOException e) {
            log.atWarn().addKeyValue("socket", config.socket()).log("cannot remove the socket");
        }
        log.atInfo().log("CSI plugin stopped");
    }
}
