package io.wharf.nbd;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A well-behaved client that keeps writing random data to its own region of an export and reading
 * it back, on its own thread, so tests can check that abuse on other connections never disturbs
 * it. Reconnects never: any error is a failure.
 */
final class VerifyLoop implements AutoCloseable {
    private final Thread thread;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    VerifyLoop(int port, String export, long regionOffset, int regionBytes, boolean structured, long seed) {
        thread = Thread.ofPlatform().name("verify-loop").daemon(true).start(() -> {
            Random random = new Random(seed);
            try (RawClient client = RawClient.open(port, export, structured, false)) {
                while (!stop) {
                    int length = 1 + random.nextInt(Math.min(regionBytes, 128 * 1024));
                    long offset = regionOffset + random.nextInt(regionBytes - length + 1);
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    client.write(offset, data);
                    byte[] back = client.read(offset, length);
                    if (!Arrays.equals(data, back)) {
                        throw new AssertionError("read back differs at offset " + offset + " length " + length);
                    }
                    rounds.incrementAndGet();
                }
                client.disconnect();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    long rounds() {
        return rounds.get();
    }

    /** Waits until at least {@code more} further rounds have completed (or the loop failed). */
    void awaitRounds(long more) throws InterruptedException {
        long target = rounds.get() + more;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (rounds.get() < target && failure.get() == null && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Await.POLL_NANOS);
        }
        check();
        if (rounds.get() < target) {
            throw new AssertionError("verify loop made no progress");
        }
    }

    void check() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("verify loop failed", t);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(30_000);
        check();
    }
}
