package io.wharf.metadata.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.EventRecorder;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The etcd store when etcd is not there: every call fails with {@code UNAVAILABLE} within the
 * request timeout, and the same store works again, watches included, once etcd is back on its
 * data directory.
 */
@Timeout(120)
class EtcdStoreAvailabilityTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Scheduling slack on a loaded test machine; the bound under test is TIMEOUT. */
    private static final Duration SLACK = Duration.ofMillis(1500);
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private EtcdServer etcd;
    private EtcdStore store;

    @BeforeEach
    void start() {
        etcd = EtcdServer.startFresh();
        store = EtcdStore.open(etcd.config().withRequestTimeout(TIMEOUT));
    }

    @AfterEach
    void stop() {
        try {
            if (store != null) {
                store.close();
            }
        } finally {
            etcd.close();
        }
    }

    @Test
    void stoppedEtcdIsUnavailableWithinTheTimeoutAndTheStoreWorksAgainAfterRestart() {
        long written = store.put("/avail/a", "1");
        long lease = store.grantLease(Duration.ofSeconds(60));

        etcd.stop();

        assertUnavailableWithinTimeout(() -> store.get("/avail/a"), "read");
        WharfException write = assertUnavailableWithinTimeout(() -> store.put("/avail/b", "2"), "write");
        assertThat(write.getMessage()).contains("may or may not have been applied");
        assertUnavailableWithinTimeout(() -> store.listing("/avail/"), "listing");
        assertUnavailableWithinTimeout(store::revision, "revision");
        assertUnavailableWithinTimeout(() -> store.keepAlive(lease), "keep-alive");
        assertUnavailableWithinTimeout(() -> store.grantLease(Duration.ofSeconds(5)), "lease grant");

        etcd.start();

        KeyValue kv = awaitAnswer(() -> store.get("/avail/a")).orElseThrow();
        assertThat(kv.modRevision()).as("etcd kept the write across the restart").isEqualTo(written);
        assertThat(store.keepAlive(lease)).as("leases survive an etcd restart").isTrue();
        assertThat(store.put("/avail/c", "3")).isGreaterThan(written);
    }

    @Test
    void aWatchResumesAfterEtcdIsKilledAndRestartedWithoutGapsOrRepeats() throws Exception {
        long start = store.revision();
        EventRecorder recorder = new EventRecorder();
        try (Watch _ = store.watch("/avail/", start, recorder)) {
            store.put("/avail/a", "before");
            assertThat(recorder.next(Duration.ofSeconds(20)).revision()).isEqualTo(start + 1);

            etcd.kill();
            etcd.start();
            long b = awaitAnswer(() -> store.put("/avail/b", "after"));
            long c = store.put("/avail/c", "after");

            List<WatchEvent> events = recorder.next(2, RECOVERY);
            assertThat(events).extracting(WatchEvent::revision).containsExactly(b, c);
            assertThat(b).isEqualTo(start + 2);
            assertThat(recorder.drain()).isEmpty();
        }
    }

    @Test
    void openingAStoreOnAnEndpointWhereNoEtcdListensFailsWithUnavailableNamingIt() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        EtcdStoreConfig nowhere = EtcdStoreConfig.parse("etcd://127.0.0.1:" + port).withRequestTimeout(TIMEOUT);

        long started = System.nanoTime();
        assertThatThrownBy(() -> EtcdStore.open(nowhere)).isInstanceOfSatisfying(WharfException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("127.0.0.1:" + port);
            assertThat(e.hint()).contains("etcd://127.0.0.1:" + port);
        });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT.plus(SLACK));
    }

    @Test
    void aClosedStoreIsUnavailable() {
        store.close();

        assertThatThrownBy(() -> store.get("/avail/a")).isInstanceOfSatisfying(WharfException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("closed");
        });
        assertThatThrownBy(() -> store.watch("/avail/", 0, event -> { }))
                .isInstanceOfSatisfying(WharfException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }

    private WharfException assertUnavailableWithinTimeout(Runnable call, String what) {
        long started = System.nanoTime();
        WharfException failure = null;
        try {
            call.run();
        } catch (WharfException e) {
            failure = e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(failure).as(what + " with etcd stopped").isNotNull();
        assertThat(failure.code()).as(what + ": " + failure.getMessage()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(failure.hint()).as(what).contains(etcd.config().url());
        assertThat(took).as(what + " took").isLessThan(TIMEOUT.plus(SLACK));
        return failure;
    }

    /** Calls until etcd answers, within {@link #RECOVERY}; each call is itself bounded by the timeout. */
    private static <T> T awaitAnswer(Supplier<T> call) {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (WharfException e) {
                if (e.code() != ErrorCode.UNAVAILABLE || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
        }
    }
}
