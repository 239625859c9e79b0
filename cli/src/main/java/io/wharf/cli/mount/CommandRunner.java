package io.wharf.cli.mount;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the system tools a mount needs ({@code losetup}, {@code mount}, {@code mkfs.ext4}, ...):
 * found on {@code PATH} or in the sbin directories, stdin from {@code /dev/null}, a time limit,
 * output captured (bounded) and a C locale so messages read the same everywhere.
 */
public final class CommandRunner {
    private static final int OUTPUT_LIMIT_BYTES = 64 * 1024;
    private static final List<String> SYSTEM_DIRECTORIES = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("nbdfuse", "nbdfuse"),
            Map.entry("fusermount3", "fuse3"),
            Map.entry("nbd-client", "nbd-client"),
            Map.entry("mkfs.ext4", "e2fsprogs"),
            Map.entry("mkfs.xfs", "xfsprogs"),
            Map.entry("mount", "mount"),
            Map.entry("umount", "mount"),
            Map.entry("losetup", "mount"),
            Map.entry("blkid", "util-linux"),
            Map.entry("setsid", "util-linux"));

    /** How one run ended. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        /** {@code `losetup -d /dev/loop0` failed (exit 1): losetup: ...}. */
        public String failure() {
            String output = !stderr.isBlank() ? stderr.strip() : stdout.strip();
            return "`" + String.join(" ", command) + "` failed (exit " + exitCode + ")"
                    + (output.isEmpty() ? "" : ": " + output);
        }
    }

    private final Duration timeout;

    public CommandRunner(Duration timeout) {
        this.timeout = timeout;
    }

    public boolean has(String tool) {
        return find(tool) != null;
    }

    /** The absolute path of {@code tool}, or {@link ErrorCode#TOOL_MISSING}. */
    public Path require(String tool) {
        Path path = find(tool);
        if (path == null) {
            String debianPackage = PACKAGES.getOrDefault(tool, tool);
            throw new WharfException(ErrorCode.TOOL_MISSING, "`" + tool + "` is not installed on this machine",
                    "install it (Debian/Ubuntu: apt-get install " + debianPackage + ")");
        }
        return path;
    }

    private static Path find(String tool) {
        Set<String> directories = new LinkedHashSet<>();
        String pathVariable = System.getenv("PATH");
        if (pathVariable != null) {
            directories.addAll(List.of(pathVariable.split(File.pathSeparator)));
        }
        directories.addAll(SYSTEM_DIRECTORIES);
        for (String directory : directories) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(directory, tool);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    public Result run(String tool, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(tool);
        command.addAll(List.of(arguments));
        List<String> argv = new ArrayList<>(command);
        argv.set(0, require(tool).toString());
        Process process;
        try {
            process = builder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot run `" + String.join(" ", command) + "`: "
                    + e.getMessage(), "check that " + tool + " is installed and executable", e);
        }
        Future<String> stdout = drain(process.getInputStream());
        Future<String> stderr = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                throw new WharfException(ErrorCode.MOUNT_FAILED, "`" + String.join(" ", command)
                        + "` did not finish within " + timeout.toSeconds() + "s",
                        "check the system log (dmesg) for a hung device");
            }
            return new Result(command, process.exitValue(), get(stdout), get(stderr));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new WharfException(ErrorCode.MOUNT_FAILED, "interrupted while running `" + String.join(" ", command)
                    + "`", "", e);
        }
    }

    /** Runs and requires exit status 0, else {@link ErrorCode#MOUNT_FAILED} with the tool's message. */
    public Result runChecked(String tool, String... arguments) {
        Result result = run(tool, arguments);
        if (!result.succeeded()) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, result.failure(), "");
        }
        return result;
    }

    /**
     * Starts a long-lived process in its own session (so a terminal's signals do not reach it),
     * with output to {@code log} and nothing tying it to this process: it outlives the CLI.
     */
    Process startDetached(String tool, List<String> arguments, Path log) {
        List<String> argv = new ArrayList<>();
        argv.add(require("setsid").toString());
        argv.add(require(tool).toString());
        argv.addAll(arguments);
        try {
            return builder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot start " + tool + ": " + e.getMessage(),
                    "check that " + tool + " is installed and executable", e);
        }
    }

    private static ProcessBuilder builder(List<String> argv) {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(new File("/"));
        builder.environment().put("LC_ALL", "C");
        return builder;
    }

    private static Future<String> drain(InputStream stream) {
        FutureTask<String> task = new FutureTask<>(() -> {
            try (stream) {
                byte[] kept = stream.readNBytes(OUTPUT_LIMIT_BYTES);
                stream.transferTo(java.io.OutputStream.nullOutputStream());
                return new String(kept, StandardCharsets.UTF_8);
            }
        });
        Thread.ofVirtual().name("wharf-command-output").start(task);
        return task;
    }

    private String get(Future<String> output) throws InterruptedException {
        try {
            return output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new UncheckedIOException(new IOException("cannot read the output of a command", e.getCause()));
        } catch (TimeoutException e) {
            // a child of the tool still holds the pipe open; the exit status is what counts
            output.cancel(true);
            return "";
        }
    }
}
