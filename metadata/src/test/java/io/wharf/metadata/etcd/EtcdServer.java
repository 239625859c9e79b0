package io.wharf.metadata.etcd;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real etcd server ({@code /usr/bin/etcd}) for tests: one member on free loopback ports (or on
 * free ports of another local address, {@link #startFresh(String)}), with its own data directory
 * under a temporary directory that {@link #close()} deletes.
 *
 * <p>Readiness is an event, not a guess: the server's log is read line by line, and
 * {@link #start()} returns when etcd logs that it serves clients (or fails as soon as the
 * process exits, with the end of its log). {@link #stop()} and {@link #kill()} end the
 * process by its own pid; {@link #start()} again restarts it on the same data directory and
 * ports, as a restarted member would. A JVM shutdown hook kills the process if the tests never
 * get to {@link #close()}.
 *
 * <pre>{@code
 * try (EtcdServer etcd = EtcdServer.startFresh(); EtcdStore store = EtcdStore.open(etcd.config())) {
 *     ...
 * }
 * }</pre>
 */
public final class EtcdServer implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/etcd");
    private static final String NAME = "wharf-test";
    /**
     * What etcd logs once it serves clients: 3.4's zap logger says the first when its client
     * listener starts serving (after the server is ready); capnslog and later versions say the second.
     */
    private static final List<String> READY = List.of("serving client traffic", "ready to serve client requests");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 40;
    private static final int PORT_ATTEMPTS = 3;

    private final Path root;
    private final String host;
    private final Path dataDirectory;
    private final Path logFile;
    private final Deque<String> logTail = new ArrayDeque<>();
    private final Thread shutdownHook;
    private int clientPort;
    private int peerPort;
    private volatile Process process;
    private boolean closed;

    private EtcdServer(Path root, String host) {
        this.root = root;
        this.host = host;
        this.dataDirectory = root.resolve("data");
        this.logFile = root.resolve("etcd.log");
        this.shutdownHook = new Thread(this::killAndDelete, "etcd-server-cleanup");
    }

    /** Starts a fresh etcd in a new temporary directory, listening on 127.0.0.1. */
    public static EtcdServer startFresh() {
        return startFresh("127.0.0.1");
    }

    /**
     * Starts a fresh etcd in a new temporary directory, listening on {@code host} only: an address of
     * this machine (for example a bridge that processes in other network namespaces reach).
     */
    public static EtcdServer startFresh(String host) {
        Path root;
        try {
            root = Files.createTempDirectory("wharf-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EtcdServer server = new EtcdServer(root, host);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.startOnFreePorts();
            return server;
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
    }

    /** The store configuration for this server, with default timeouts. */
    public EtcdStoreConfig config() {
        return EtcdStoreConfig.parse(url());
    }

    /** The address to give {@code wharf node start --cluster}. */
    public String url() {
        return "etcd://" + host + ":" + clientPort;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return process.pid();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Starts etcd again on the same data directory and ports; returns when it serves clients. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("etcd server is closed");
        }
        if (isRunning()) {
            throw new IllegalStateException("etcd is already running as pid " + process.pid());
        }
        launch();
    }

    /** Stops etcd gracefully (SIGTERM), forcibly if it does not exit in time. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Kills etcd (SIGKILL), as a crash would. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops etcd and deletes its directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            deleteRoot();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down; the hook is running or has run.
            }
        }
    }

    private void startOnFreePorts() {
        for (int attempt = 1; ; attempt++) {
            clientPort = freePort(host);
            peerPort = freePort(host);
            try {
                launch();
                return;
            } catch (IllegalStateException e) {
                // Another process may have taken a port between our probe and etcd's bind.
                if (attempt == PORT_ATTEMPTS || !e.getMessage().contains("address already in use")) {
                    throw e;
                }
                deleteTree(dataDirectory);
            }
        }
    }

    private void launch() {
        String client = "http://" + host + ":" + clientPort;
        String peer = "http://" + host + ":" + peerPort;
        ProcessBuilder builder = new ProcessBuilder(List.of(BINARY.toString(),
                "--name", NAME,
                "--data-dir", dataDirectory.toString(),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", NAME + "=" + peer,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", "wharf-test-" + clientPort,
                "--logger", "zap",
                "--log-outputs", "stderr"));
        builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));
        builder.redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + BINARY + " (Debian package etcd-server): " + e, e);
        }
        process = started;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("etcd-log-" + started.pid()).start(() -> readLog(started, ready));
        awaitReady(started, ready);
    }

    private void awaitReady(Process started, CompletableFuture<Void> ready) {
        try {
            ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | InterruptedException e) {
            started.destroyForcibly();
            try {
                started.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            process = null;
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String reason = e instanceof ExecutionException ? e.getCause().getMessage() : e.toString();
            throw new IllegalStateException("etcd did not become ready within " + START_TIMEOUT + " (pid " + started.pid()
                    + ", client port " + clientPort + "): " + reason + "\nlast lines of " + logFile + ":\n" + logTail(), e);
        }
    }

    /** Copies the process's output to the log file, completing {@code ready} on etcd's ready line. */
    private void readLog(Process started, CompletableFuture<Void> ready) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            log.write("---- etcd pid " + started.pid() + "\n");
            String line;
            while ((line = reader.readLine()) != null) {
                log.write(line);
                log.newLine();
                log.flush();
                remember(line);
                if (READY.stream().anyMatch(line::contains)) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            // The directory was deleted or the pipe closed; the process is ending.
        }
        ready.completeExceptionally(new IllegalStateException("etcd exited before it was ready"));
    }

    private void remember(String line) {
        synchronized (logTail) {
            logTail.addLast(line);
            while (logTail.size() > LOG_TAIL_LINES) {
                logTail.removeFirst();
            }
        }
    }

    private String logTail() {
        synchronized (logTail) {
            return String.join("\n", logTail);
        }
    }

    private void killAndDelete() {
        Process running = process;
        if (running != null) {
            running.destroyForcibly();
            try {
                running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteRoot();
    }

    private void deleteRoot() {
        deleteTree(root);
    }

    private static void deleteTree(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
