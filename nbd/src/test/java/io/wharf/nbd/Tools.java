package io.wharf.nbd;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real NBD clients (libnbd-bin, qemu-utils, fio) for tests. A missing tool fails the
 * test with what to install; CI installs them all.
 */
final class Tools {
    private static final String PACKAGES = "libnbd-bin (nbdinfo, nbdcopy), qemu-utils (qemu-img, qemu-io), fio";

    private Tools() {}

    record Result(int exitCode, String stdout, String stderr, List<String> command) {
        Result assertSuccess() {
            if (exitCode != 0) {
                fail("%s exited with %d%nstdout:%n%s%nstderr:%n%s", String.join(" ", command), exitCode, stdout, stderr);
            }
            return this;
        }
    }

    static void require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        fail("'%s' is not installed but this test needs it; install %s (CI installs them)", tool, PACKAGES);
    }

    /**
     * Runs a command in {@code dir} (tools such as fio leave state files in their working
     * directory); output goes to files there; the process is killed on timeout or failure.
     */
    static Result run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        require(command[0]);
        Path stdout = Files.createTempFile(dir, "stdout", ".txt");
        Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("%s did not finish within %s%nstdout:%n%s%nstderr:%n%s", String.join(" ", command), timeout,
                        Files.readString(stdout), Files.readString(stderr));
            }
            return new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr), List.of(command));
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
