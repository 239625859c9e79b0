package io.wharf.it;

import io.wharf.api.client.ApiClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Wharf node in its own JVM ({@code wharf up}), on free loopback ports, with its own data
 * directory. Tests kill it with SIGKILL ({@link #kill9()}) or stop it cleanly ({@link #stop()});
 * {@link #close()} always ends the process. A node may also run in a network namespace on an
 * address of its own ({@link #inNamespace}).
 */
final class NodeProcess implements AutoCloseable {
    final Path dataDir;
    final int apiPort;
    final int nbdPort;
    /** The address the node listens on and advertises; the test reaches its API and NBD server there. */
    final String host;
    /** What runs the node's JVM, e.g. {@code ip netns exec NS}; empty to run it directly. */
    private final List<String> launcher;
    private final List<String> verb;
    private final List<String> extraArgs;
    private final Path log;
    private Process process;
    private int starts;

    NodeProcess(Path dataDir, String... extraArgs) throws IOException {
        this(dataDir, List.of("up"), extraArgs);
    }

    private NodeProcess(Path dataDir, List<String> verb, String... extraArgs) throws IOException {
        this(dataDir, "127.0.0.1", List.of(), verb, extraArgs);
    }

    private NodeProcess(Path dataDir, String host, List<String> launcher, List<String> verb, String... extraArgs)
            throws IOException {
        this.host = host;
        this.launcher = List.copyOf(launcher);
        this.verb = verb;
        this.dataDir = dataDir;
        this.apiPort = freePort();
        this.nbdPort = freePort();
        this.extraArgs = List.of(extraArgs);
        this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    static NodeProcess started(Path dataDir, String... extraArgs) throws IOException {
        NodeProcess node = new NodeProcess(dataDir, extraArgs);
        node.start();
        return node;
    }

    /** A node that joins the cluster on etcd at {@code etcdUrl} ({@code wharf node start}). */
    static NodeProcess inCluster(Path dataDir, String etcdUrl, String nodeId, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--cluster", etcdUrl, "--node-id", nodeId,
                "--repl-port", String.valueOf(freePort())));
        args.addAll(List.of(extraArgs));
        return new NodeProcess(dataDir, List.of("node", "start"), args.toArray(String[]::new));
    }

    /**
     * A node that joins the cluster on etcd at {@code etcdUrl} from inside the network namespace
     * {@code namespace} ({@code ip netns exec}, which execs the JVM: the process is the node's own),
     * listening on and advertising {@code address} for its API, NBD and replication ports.
     */
    static NodeProcess inNamespace(Path dataDir, String etcdUrl, String nodeId, List<String> launcher, String address,
                                   String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--cluster", etcdUrl, "--node-id", nodeId,
                "--repl-port", String.valueOf(freePort()), "--bind", address, "--advertise", address));
        args.addAll(List.of(extraArgs));
        return new NodeProcess(dataDir, address, launcher, List.of("node", "start"), args.toArray(String[]::new));
    }

    /** Ports handed out in this JVM: a port is free when asked but bound only when its node starts. */
    private static final java.util.Set<Integer> ISSUED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A free loopback port never handed out before in this JVM (two ports of one node could otherwise coincide). */
    static int freePort() throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (ISSUED.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
    }

    static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    List<String> command() {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(javaExecutable(), "-Xms64m", "-Xmx256m",
                "-XX:MaxDirectMemorySize=192m", "-XX:+UseSerialGC", "-ea", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), "io.wharf.dist.WharfMain"));
        command.addAll(verb);
        command.addAll(List.of("--data-dir", dataDir.toString(), "--api-port", String.valueOf(apiPort),
                "--nbd-port", String.valueOf(nbdPort)));
        command.addAll(extraArgs);
        return command;
    }

    /** Starts the node and waits until its API answers. */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node already running");
        }
        starts++;
        Files.writeString(log, "---- start " + starts + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(command())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        awaitReady();
    }

    private void awaitReady() throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(endpoint() + "/healthz")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node exited with " + process.exitValue() + " during start:\n" + logTail());
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            Conditions.pause();
        }
        throw new IllegalStateException("node did not become ready within 60 s:\n" + logTail());
    }

    String endpoint() {
        return "http://" + host + ":" + apiPort;
    }

    ApiClient api() {
        return new ApiClient(URI.create(endpoint()));
    }

    String nbdUri(String export) {
        return "nbd://" + host + ":" + nbdPort + "/" + export;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, like a power cut to the process: no shutdown hook runs. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, like Ctrl-C: the node shuts down cleanly; returns its exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("node did not stop within 60 s of SIGTERM:\n" + logTail());
        }
        return process.exitValue();
    }

    /** The node's whole log, every start of it. */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
