package io.wharf.cli.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** {@code nbdkit memory SIZE} on a free loopback port, for tests; dies with the test JVM at the latest. */
public final class Nbdkit implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final Process process;
    private final int port;

    private Nbdkit(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Whether this machine can run the real mount tests: root, FUSE, loop devices and the tools. */
    public static boolean canMountHere() {
        CommandRunner commands = new CommandRunner(TIMEOUT);
        if (!Privileges.isRoot() || !Files.exists(Path.of("/dev/fuse")) || !Files.exists(Path.of("/dev/loop-control"))) {
            return false;
        }
        for (String tool : new String[] {"nbdkit", "nbdfuse", "fusermount3", "losetup", "blkid", "mkfs.ext4",
                "mkfs.xfs", "setsid", "mount", "umount"}) {
            if (!commands.has(tool)) {
                return false;
            }
        }
        return true;
    }

    /** Starts it and returns once it accepts connections. */
    public static Nbdkit start(String size, Path logDirectory) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path log = logDirectory.resolve("nbdkit-" + port + ".log");
        Process process = new ProcessBuilder(new CommandRunner(TIMEOUT).require("nbdkit").toString(), "-f",
                "--exit-with-parent", "-i", "127.0.0.1", "-p", String.valueOf(port), "memory", size)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Nbdkit nbdkit = new Nbdkit(process, port);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!nbdkit.accepts()) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                nbdkit.close();
                throw new AssertionError("nbdkit did not start listening: " + Files.readString(log));
            }
            // Doubles as the pause between attempts, and ends early if nbdkit dies.
            process.waitFor(20, TimeUnit.MILLISECONDS);
        }
        return nbdkit;
    }

    public int port() {
        return port;
    }

    public URI uri() {
        return URI.create("nbd://127.0.0.1:" + port + "/");
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("nbdkit exits").isTrue();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
