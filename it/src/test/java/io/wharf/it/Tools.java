package io.wharf.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real external tools the tests use (nbdinfo, qemu-img, fio, ...). */
final class Tools {
    private Tools() {}

    record Result(int exitCode, String output) {
        Result requireSuccess(List<String> command) {
            if (exitCode != 0) {
                throw new AssertionError("command failed with " + exitCode + ": " + String.join(" ", command) + "\n" + output);
            }
            return this;
        }
    }

    static void require(String tool) {
        if (tool.startsWith("/")) {
            if (Files.isExecutable(Path.of(tool))) {
                return;
            }
            throw new AssertionError(tool + " is not installed; .ci/run installs the tools the tests need");
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new AssertionError(tool + " is not installed; .ci/run installs the tools the tests need");
    }

    static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, List.of(command));
    }

    static Result run(long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        require(command.getFirst());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try {
            process.getOutputStream().close();
            output = readAll(process, timeoutSeconds);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private static byte[] readAll(Process process, long timeoutSeconds) throws IOException, InterruptedException {
        java.util.concurrent.CompletableFuture<byte[]> bytes = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                return ("(output unreadable: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        }, r -> Thread.ofVirtual().start(r));
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("command timed out after " + timeoutSeconds + " s: " + process.info().commandLine().orElse("?"));
        }
        return bytes.join();
    }

    static String ok(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, command).requireSuccess(List.of(command)).output();
    }
}
