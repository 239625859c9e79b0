package io.wharf.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link ClusterStore} must do, written against the interface only, so the same
 * tests run against the embedded store and against a real etcd. Each test works under its own
 * random key prefix and measures revisions relative to where it started, so a shared server
 * works; it does assume nobody else writes during a test.
 */
@Timeout(60)
public abstract class ClusterStoreContract {
    /** How long a test waits for something that should happen promptly. */
    protected static final Duration WAIT = Duration.ofSeconds(20);

    protected ClusterStore store;
    /** This test's private key prefix. */
    protected String root;

    /** A running store for one test; closed after it. */
    protected abstract ClusterStore openStore() throws Exception;

    /**
     * Moves the store's time forward by {@code duration}. Lease expiry that this makes due must
     * follow: at once, or soon enough to be awaited with a deadline. A store whose leases run on
     * a clock the test cannot move (a real etcd) lets the time pass instead.
     */
    protected abstract void advanceTime(Duration duration) throws Exception;

    /** A lease time to live the store accepts and {@link #advanceTime} can step over. */
    protected Duration leaseTtl() {
        return Duration.ofSeconds(10);
    }

    @BeforeEach
    void openContractStore() throws Exception {
        store = openStore();
        root = "/contract/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void closeContractStore() {
        if (store != null) {
            store.close();
        }
    }

    protected String key(String name) {
        return root + name;
    }

    // --- get / range / put / delete

    @Test
    void putThenGetReturnsValueAndCounters() {
        long revision = store.put(key("a"), "1");

        KeyValue kv = store.get(key("a")).orElseThrow();
        assertThat(kv.valueString()).isEqualTo("1");
        assertThat(kv.createRevision()).isEqualTo(revision);
        assertThat(kv.modRevision()).isEqualTo(revision);
        assertThat(kv.version()).isEqualTo(1);
        assertThat(kv.leaseId()).isEqualTo(ClusterStore.NO_LEASE);
        assertThat(store.revision()).isEqualTo(revision);
        assertThat(store.get(key("missing"))).isEmpty();
    }

    @Test
    void overwriteKeepsCreateRevisionAndCountsVersions() {
        long created = store.put(key("a"), "1");
        long modified = store.put(key("a"), "2");

        assertThat(modified).isEqualTo(created + 1);
        KeyValue kv = store.get(key("a")).orElseThrow();
        assertThat(kv.valueString()).isEqualTo("2");
        assertThat(kv.createRevision()).isEqualTo(created);
        assertThat(kv.modRevision()).isEqualTo(modified);
        assertThat(kv.version()).isEqualTo(2);
    }

    @Test
    void bytesRoundTripExactly() {
        Bytes key = Bytes.of(root + "binary\u0000\u00ff");
        Bytes value = Bytes.of(new byte[] {0, -1, 127, -128, 10});
        store.put(key, value);

        assertThat(store.get(key).orElseThrow().value()).isEqualTo(value);
        assertThat(store.get(key).orElseThrow().valueBytes()).containsExactly(0, -1, 127, -128, 10);
    }

    @Test
    void rangeReturnsOnlyKeysUnderThePrefixSortedByKey() {
        store.put(key("dir/b"), "b");
        store.put(key("dir/a"), "a");
        store.put(key("dir/c/nested"), "c");
        store.put(key("dirx"), "not under dir/");
        store.put(key("di"), "not under dir/");

        Listing listing = store.listing(key("dir/"));

        assertThat(listing.keyValues()).extracting(KeyValue::keyString)
                .containsExactly(key("dir/a"), key("dir/b"), key("dir/c/nested"));
        assertThat(listing.revision()).isEqualTo(store.revision());
        assertThat(store.range(key("dir/"))).isEqualTo(listing.keyValues());
        assertThat(store.range(key("nothing/"))).isEmpty();
    }

    @Test
    void rangeOrdersKeysAsUnsignedBytes() {
        store.put(Bytes.of(root + "\u00e9"), Bytes.of("e-acute, UTF-8 0xC3 0xA9"));
        store.put(Bytes.of(root + "z"), Bytes.of("0x7A"));
        store.put(Bytes.of(root + "A"), Bytes.of("0x41"));

        assertThat(store.range(root)).extracting(KeyValue::keyString)
                .containsExactly(root + "A", root + "z", root + "\u00e9");
    }

    @Test
    void deleteRemovesAnExistingKeyOnlyAndDeletingNothingIsNotAWrite() {
        store.put(key("a"), "1");
        long before = store.revision();

        assertThat(store.delete(key("a"))).isTrue();
        assertThat(store.revision()).isEqualTo(before + 1);
        assertThat(store.get(key("a"))).isEmpty();

        assertThat(store.delete(key("a"))).isFalse();
        assertThat(store.revision()).isEqualTo(before + 1);
    }

    @Test
    void aKeyCreatedAgainAfterDeleteStartsOver() {
        store.put(key("a"), "1");
        store.put(key("a"), "2");
        store.delete(key("a"));
        long recreated = store.put(key("a"), "3");

        KeyValue kv = store.get(key("a")).orElseThrow();
        assertThat(kv.createRevision()).isEqualTo(recreated);
        assertThat(kv.version()).isEqualTo(1);
    }

    // --- transactions

    @Test
    void aTransactionIsOneRevisionForAllItsWrites() {
        store.put(key("gone"), "x");
        long before = store.revision();

        TxnResult result = store.txn(Txn.of(Op.put(key("a"), "1"), Op.put(key("b"), "2"), Op.delete(key("gone"))));

        assertThat(result.succeeded()).isTrue();
        assertThat(result.revision()).isEqualTo(before + 1);
        assertThat(store.revision()).isEqualTo(before + 1);
        assertThat(store.get(key("a")).orElseThrow().modRevision()).isEqualTo(before + 1);
        assertThat(store.get(key("b")).orElseThrow().modRevision()).isEqualTo(before + 1);
        assertThat(store.get(key("gone"))).isEmpty();
        assertThat(result.results()).hasSize(3);
        assertThat(result.results().get(2)).isInstanceOf(OpResult.Delete.class);
        assertThat(((OpResult.Delete) result.results().get(2)).deleted()).isTrue();
    }

    @Test
    void compareAndSetOnModRevisionSucceedsWhenCurrent() {
        long revision = store.put(key("a"), "1");

        TxnResult result = store.txn(Txn.when(Compare.modRevision(key("a"), revision))
                .then(Op.put(key("a"), "2"))
                .otherwise(Op.put(key("lost"), "x")));

        assertThat(result.succeeded()).isTrue();
        assertThat(result.revision()).isEqualTo(revision + 1);
        assertThat(store.get(key("a")).orElseThrow().valueString()).isEqualTo("2");
        assertThat(store.get(key("lost"))).isEmpty();
        OpResult.Put put = (OpResult.Put) result.results().getFirst();
        assertThat(put.previous()).map(KeyValue::valueString).contains("1");
    }

    @Test
    void compareAndSetOnStaleModRevisionFailsAndChangesNothing() {
        long stale = store.put(key("a"), "1");
        store.put(key("a"), "2");
        long before = store.revision();

        TxnResult result = store.txn(Txn.when(Compare.modRevision(key("a"), stale)).then(Op.put(key("a"), "3")));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.revision()).isEqualTo(before);
        assertThat(result.results()).isEmpty();
        assertThat(store.revision()).isEqualTo(before);
        assertThat(store.get(key("a")).orElseThrow().valueString()).isEqualTo("2");
    }

    @Test
    void failedCompareRunsTheOtherBranch() {
        long written = store.put(key("a"), "1");
        long before = store.revision();

        TxnResult result = store.txn(Txn.when(Compare.modRevision(key("a"), written + 1))
                .then(Op.put(key("a"), "then"))
                .otherwise(Op.put(key("else"), "ran")));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.revision()).isEqualTo(before + 1);
        assertThat(store.get(key("else")).orElseThrow().valueString()).isEqualTo("ran");
        assertThat(store.get(key("a")).orElseThrow().valueString()).isEqualTo("1");
    }

    @Test
    void absentCompareCreatesOnlyOnce() {
        Txn create = Txn.when(Compare.absent(key("lock"))).then(Op.put(key("lock"), "me"));

        assertThat(store.txn(create).succeeded()).isTrue();
        assertThat(store.txn(create).succeeded()).isFalse();
        assertThat(store.txn(Txn.when(Compare.modRevision(key("other"), 0))
                .then(Op.put(key("other"), "x"))).succeeded()).as("mod revision 0 means absent").isTrue();
    }

    @Test
    void valueCompareHoldsOnEqualValueOnlyAndNeverOnAMissingKey() {
        store.put(key("a"), "1");

        assertThat(store.txn(Txn.when(Compare.valueEquals(key("a"), "1"))).succeeded()).isTrue();
        assertThat(store.txn(Txn.when(Compare.valueEquals(key("a"), "2"))).succeeded()).isFalse();
        assertThat(store.txn(Txn.when(Compare.valueEquals(key("missing"), ""))).succeeded()).isFalse();
    }

    @Test
    void aTransactionMayNotWriteOneKeyTwice() {
        assertThatThrownBy(() -> Txn.of(Op.put(key("a"), "1"), Op.delete(key("a"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTransactionLargerThanEtcdAcceptsIsRefusedAndWritesNothing() {
        long before = store.revision();

        for (int sizeBytes : new int[] {1600 * 1024, 3 * 1024 * 1024}) {
            Bytes value = Bytes.of(new byte[sizeBytes]);
            assertThatThrownBy(() -> store.put(Bytes.of(key("big")), value)).as("%d bytes", sizeBytes)
                    .isInstanceOfSatisfying(WharfException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        }
        assertThat(store.get(key("big"))).isEmpty();
        assertThat(store.revision()).isEqualTo(before);
    }

    @Test
    void concurrentCompareAndSetIncrementsLoseNothing() throws Exception {
        int writers = 4;
        int incrementsEach = 25;
        String counter = key("counter");
        store.put(counter, "0");
        long before = store.revision();
        AtomicInteger conflicts = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < incrementsEach; i++) {
                        while (true) {
                            KeyValue seen = store.get(counter).orElseThrow();
                            String next = String.valueOf(Integer.parseInt(seen.valueString()) + 1);
                            TxnResult result = store.txn(Txn.when(Compare.modRevision(counter, seen.modRevision()))
                                    .then(Op.put(counter, next)));
                            if (result.succeeded()) {
                                break;
                            }
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }

        int total = writers * incrementsEach;
        assertThat(store.get(counter).orElseThrow().valueString()).isEqualTo(String.valueOf(total));
        assertThat(store.get(counter).orElseThrow().version()).isEqualTo(total + 1);
        assertThat(store.revision()).as("failed compares are not writes").isEqualTo(before + total);
    }

    // --- watch

    @Test
    void watchFromAPastRevisionDeliversEarlierChangesThenNewOnesInOrder() throws Exception {
        long start = store.revision();
        store.put(key("a"), "1");
        store.put(key("b"), "2");
        store.delete(key("a"));
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(root, start, recorder)) {
            List<WatchEvent> past = recorder.next(3, WAIT);
            store.put(key("c"), "3");
            WatchEvent live = recorder.next(WAIT);

            assertThat(past.get(0)).isInstanceOfSatisfying(WatchEvent.Put.class, put -> {
                assertThat(put.keyValue().keyString()).isEqualTo(key("a"));
                assertThat(put.revision()).isEqualTo(start + 1);
            });
            assertThat(past.get(1)).isInstanceOfSatisfying(WatchEvent.Put.class,
                    put -> assertThat(put.keyValue().valueString()).isEqualTo("2"));
            assertThat(past.get(2)).isEqualTo(new WatchEvent.Delete(Bytes.of(key("a")), start + 3));
            assertThat(live).isInstanceOfSatisfying(WatchEvent.Put.class, put -> {
                assertThat(put.keyValue().keyString()).isEqualTo(key("c"));
                assertThat(put.revision()).isEqualTo(start + 4);
            });
        }
    }

    @Test
    void watchStartsAfterTheGivenRevision() throws Exception {
        store.put(key("a"), "old");
        long from = store.revision();
        store.put(key("a"), "new");
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(root, from, recorder)) {
            assertThat(recorder.next(WAIT)).isInstanceOfSatisfying(WatchEvent.Put.class,
                    put -> assertThat(put.keyValue().valueString()).isEqualTo("new"));
        }
    }

    @Test
    void watchSeesOnlyItsPrefix() throws Exception {
        long start = store.revision();
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(key("mine/"), start, recorder)) {
            store.put(key("other/x"), "no");
            store.put(key("minex"), "no");
            store.put(key("mine/x"), "yes");

            // Events arrive in revision order, so the earlier writes would have come first.
            assertThat(recorder.next(WAIT)).isInstanceOfSatisfying(WatchEvent.Put.class,
                    put -> assertThat(put.keyValue().keyString()).isEqualTo(key("mine/x")));
        }
    }

    @Test
    void watchDeliversAllChangesOfATransactionAtItsRevisionInOpOrder() throws Exception {
        store.put(key("z"), "0");
        long start = store.revision();
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(root, start, recorder)) {
            long revision = store.txn(Txn.of(Op.put(key("b"), "1"), Op.delete(key("z")), Op.put(key("a"), "2"))).revision();

            List<WatchEvent> events = recorder.next(3, WAIT);
            assertThat(events).extracting(WatchEvent::revision).containsOnly(revision);
            assertThat(events.get(0)).isInstanceOf(WatchEvent.Put.class);
            assertThat(events.get(1)).isEqualTo(new WatchEvent.Delete(Bytes.of(key("z")), revision));
            assertThat(events.get(2)).isInstanceOf(WatchEvent.Put.class);
        }
    }

    @Test
    void manyWritesArriveInRevisionOrderWithoutGaps() throws Exception {
        long start = store.revision();
        EventRecorder recorder = new EventRecorder();
        int writes = 200;

        try (Watch _ = store.watch(root, start, recorder)) {
            for (int i = 0; i < writes; i++) {
                store.put(key("k" + (i % 7)), String.valueOf(i));
            }
            List<WatchEvent> events = recorder.next(writes, WAIT);
            for (int i = 0; i < writes; i++) {
                assertThat(events.get(i).revision()).isEqualTo(start + 1 + i);
            }
        }
    }

    @Test
    void watchFromACompactedRevisionSaysSoAndAReListCanContinue() throws Exception {
        long start = store.revision();
        store.put(key("a"), "1");
        store.put(key("a"), "2");
        long compactAt = store.put(key("a"), "3");
        store.compact(compactAt);
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(root, start, recorder)) {
            WatchEvent event = recorder.next(WAIT);
            assertThat(event).isInstanceOfSatisfying(WatchEvent.Compacted.class,
                    compacted -> assertThat(compacted.compactRevision()).isGreaterThanOrEqualTo(compactAt));
        }

        Listing listing = store.listing(root);
        assertThat(listing.keyValues()).extracting(KeyValue::valueString).containsExactly("3");
        EventRecorder resumed = new EventRecorder();
        try (Watch _ = store.watch(root, listing.revision(), resumed)) {
            store.put(key("a"), "4");
            assertThat(resumed.next(WAIT)).isInstanceOfSatisfying(WatchEvent.Put.class,
                    put -> assertThat(put.keyValue().valueString()).isEqualTo("4"));
        }
    }

    @Test
    void watchFromJustBeforeTheCompactRevisionStillWorks() throws Exception {
        store.put(key("a"), "1");
        long compactAt = store.put(key("a"), "2");
        store.compact(compactAt);
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(root, compactAt - 1, recorder)) {
            assertThat(recorder.next(WAIT)).isInstanceOfSatisfying(WatchEvent.Put.class,
                    put -> assertThat(put.revision()).isEqualTo(compactAt));
        }
    }

    @Test
    void compactingAgainAtOrBeforeAnEarlierCompactionDoesNothingAndCompactingAheadIsRefused() throws Exception {
        store.put(key("a"), "1");
        long compactAt = store.put(key("a"), "2");
        store.compact(compactAt);

        store.compact(compactAt);
        store.compact(compactAt - 1);
        assertThatThrownBy(() -> store.compact(store.revision() + 10)).isInstanceOf(IllegalArgumentException.class);

        EventRecorder recorder = new EventRecorder();
        try (Watch _ = store.watch(root, compactAt - 1, recorder)) {
            assertThat(recorder.next(WAIT).revision()).isEqualTo(compactAt);
        }
    }

    // --- leases

    @Test
    void keepAliveKeepsALeaseAndItsKeys() throws Exception {
        Duration ttl = leaseTtl();
        long lease = store.grantLease(ttl);
        store.put(key("node"), "alive", lease);
        Duration most = ttl.multipliedBy(6).dividedBy(10);

        advanceTime(most);
        assertThat(store.keepAlive(lease)).isTrue();
        advanceTime(most);
        assertThat(store.keepAlive(lease)).isTrue();
        advanceTime(most);

        KeyValue kv = store.get(key("node")).orElseThrow();
        assertThat(kv.leaseId()).isEqualTo(lease);
    }

    @Test
    void expiryDeletesEveryKeyAttachedToTheLeaseAtOneRevision() throws Exception {
        long lease = store.grantLease(leaseTtl());
        store.put(key("n1"), "x", lease);
        store.put(key("n2"), "y", lease);
        store.put(key("unleased"), "z");
        EventRecorder recorder = new EventRecorder();

        try (Watch _ = store.watch(root, store.revision(), recorder)) {
            advanceTime(leaseTtl().plusSeconds(1));

            List<WatchEvent> deletes = recorder.next(2, WAIT);
            assertThat(deletes).allSatisfy(event -> assertThat(event).isInstanceOf(WatchEvent.Delete.class));
            assertThat(deletes).extracting(WatchEvent::revision).containsOnly(deletes.getFirst().revision());
        }
        assertThat(store.get(key("n1"))).isEmpty();
        assertThat(store.get(key("n2"))).isEmpty();
        assertThat(store.get(key("unleased"))).isPresent();
        assertThat(store.keepAlive(lease)).isFalse();
    }

    @Test
    void revokeDeletesTheLeasesKeysNow() {
        long lease = store.grantLease(leaseTtl());
        store.put(key("a"), "1", lease);
        store.put(key("b"), "2", lease);
        long before = store.revision();

        assertThat(store.revokeLease(lease)).isTrue();

        assertThat(store.range(root)).isEmpty();
        assertThat(store.revision()).isEqualTo(before + 1);
        assertThat(store.revokeLease(lease)).isFalse();
        assertThat(store.keepAlive(lease)).isFalse();
    }

    @Test
    void putWithAnEndedLeaseIsRefused() {
        long lease = store.grantLease(leaseTtl());
        store.revokeLease(lease);
        long before = store.revision();

        assertThatThrownBy(() -> store.put(key("a"), "1", lease))
                .isInstanceOfSatisfying(WharfException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(store.get(key("a"))).isEmpty();
        assertThat(store.revision()).isEqualTo(before);
    }

    @Test
    void rewritingAKeyWithoutALeaseDetachesIt() {
        long lease = store.grantLease(leaseTtl());
        store.put(key("a"), "leased", lease);
        store.put(key("a"), "kept");

        store.revokeLease(lease);

        Optional<KeyValue> kv = store.get(key("a"));
        assertThat(kv).map(KeyValue::valueString).contains("kept");
        assertThat(kv.orElseThrow().leaseId()).isEqualTo(ClusterStore.NO_LEASE);
    }

    @Test
    void keepAliveAndRevokeOfALeaseThatNeverExistedAreFalse() {
        long never = Long.MAX_VALUE;

        assertThat(store.keepAlive(never)).isFalse();
        assertThat(store.revokeLease(never)).isFalse();
    }

    @Test
    void distinctLeasesHaveDistinctNonZeroIds() {
        long first = store.grantLease(leaseTtl());
        long second = store.grantLease(leaseTtl());

        assertThat(first).isNotZero().isNotEqualTo(second);
        assertThat(second).isNotZero();
    }
}
