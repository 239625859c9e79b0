package io.wharf.metadata.embedded;

import io.wharf.core.Clock;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process {@link EmbeddedStoreCrashTest} kills: opens the store, and from a few threads
 * puts {@code /crash/<round>/<n>} forever, printing {@code COMMITTED <n>} after each put
 * returns. A small snapshot threshold makes log rolls and snapshots happen while it runs, so
 * the kill lands in those too.
 *
 * <p>Arguments: data directory, round number, writer threads.
 */
public final class CrashingWriterMain {
    static final String PREFIX = "/crash/";
    static final String VALUE = "acknowledged-write-";
    static final long SNAPSHOT_LOG_BYTES = 8 * 1024;

    private CrashingWriterMain() {}

    public static void main(String[] args) throws InterruptedException {
        Path directory = Path.of(args[0]);
        int round = Integer.parseInt(args[1]);
        int writers = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        EmbeddedStore store = EmbeddedStore.open(
                EmbeddedStoreConfig.defaults(directory).withSnapshotLogBytes(SNAPSHOT_LOG_BYTES), Clock.SYSTEM);
        out.println("OPENED " + store.revision());
        AtomicLong next = new AtomicLong();
        Thread[] threads = new Thread[writers];
        for (int w = 0; w < writers; w++) {
            threads[w] = Thread.ofPlatform().start(() -> {
                while (true) {
                    long n = next.getAndIncrement();
                    store.put(key(round, n), VALUE + n);
                    out.println("COMMITTED " + n);
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    static String key(int round, long n) {
        return PREFIX + round + "/" + n;
    }
}
