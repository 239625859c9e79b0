package io.wharf.metadata.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.metadata.ClusterStore;
import io.wharf.metadata.ClusterStoreContract;
import io.wharf.metadata.EventRecorder;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Listing;
import io.wharf.metadata.Op;
import io.wharf.metadata.Txn;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link ClusterStoreContract} against a real etcd: one server for the class, a new store
 * (client) per test; plus what only the etcd store has (paged listings, a bounded watch buffer).
 */
class EtcdStoreTest extends ClusterStoreContract {
    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.startFresh();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected ClusterStore openStore() {
        return EtcdStore.open(etcd.config());
    }

    /**
     * etcd's leases run on etcd's own clock, which nobody can move: moving time forward is letting
     * it pass. This sleep is the time passing under test, not a wait for something to happen.
     */
    @Override
    protected void advanceTime(Duration duration) throws InterruptedException {
        Thread.sleep(duration);
    }

    /** Whole seconds and above etcd's 2 s minimum; the keep-alive test's steps of 60 % leave 1.2 s to spare. */
    @Override
    protected Duration leaseTtl() {
        return Duration.ofSeconds(3);
    }

    @Test
    void aListingLargerThanOnePageIsOneConsistentView() {
        int count = EtcdStore.LISTING_PAGE_KEYS * 2 + 17;
        List<Op> puts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            puts.add(Op.put(key(String.format("many/%05d", i)), String.valueOf(i)));
            if (puts.size() == Txn.MAX_OPS || i == count - 1) {
                store.txn(Txn.of(puts.toArray(Op[]::new)));
                puts.clear();
            }
        }
        long revision = store.put(key("many~after"), "not under many/");

        Listing listing = store.listing(key("many/"));

        assertThat(listing.revision()).isEqualTo(revision);
        assertThat(listing.keyValues()).hasSize(count);
        for (int i = 0; i < count; i++) {
            KeyValue kv = listing.keyValues().get(i);
            assertThat(kv.keyString()).isEqualTo(key(String.format("many/%05d", i)));
            assertThat(kv.valueString()).isEqualTo(String.valueOf(i));
        }
    }

    @Test
    void aListenerFarBehindItsBufferStillGetsEveryChangeOnceInOrder() throws Exception {
        int writes = 60;
        long start = store.revision();
        CountDownLatch release = new CountDownLatch(1);
        EventRecorder recorder = new EventRecorder();
        try (EtcdStore small = EtcdStore.open(etcd.config(), 4);
             Watch _ = small.watch(root, start, event -> {
                 awaitUninterruptibly(release);
                 recorder.onEvent(event);
             })) {
            for (int i = 0; i < writes; i++) {
                store.put(key("k" + (i % 5)), String.valueOf(i));
            }
            release.countDown();

            List<WatchEvent> events = recorder.next(writes, WAIT);
            for (int i = 0; i < writes; i++) {
                String value = String.valueOf(i);
                assertThat(events.get(i)).isInstanceOfSatisfying(WatchEvent.Put.class,
                        put -> assertThat(put.keyValue().valueString()).isEqualTo(value));
                assertThat(events.get(i).revision()).isEqualTo(start + 1 + i);
            }
            assertThat(recorder.drain()).isEmpty();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("test did not release the listener within " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
