package io.wharf.metadata.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import io.wharf.metadata.Bytes;
import io.wharf.metadata.EventRecorder;
import io.wharf.metadata.KeyValue;
import io.wharf.metadata.Listing;
import io.wharf.metadata.ManualClock;
import io.wharf.metadata.Op;
import io.wharf.metadata.Txn;
import io.wharf.metadata.Watch;
import io.wharf.metadata.WatchEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What only the embedded store promises: its files survive close, crash and damage as documented. */
@Timeout(60)
class EmbeddedStoreRecoveryTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    private final ManualClock clock = new ManualClock();

    private EmbeddedStore open() {
        return EmbeddedStore.open(EmbeddedStoreConfig.defaults(directory), clock);
    }

    private EmbeddedStore open(EmbeddedStoreConfig config) {
        return EmbeddedStore.open(config, clock);
    }

    @Test
    void reopenAfterCloseKeepsEveryKeyCounterAndTheRevision() {
        Listing before;
        try (EmbeddedStore store = open()) {
            store.put("/a", "1");
            store.put("/a", "2");
            store.put("/b", "x");
            store.delete("/b");
            store.txn(Txn.of(Op.put("/c", "3"), Op.put("/d", "4")));
            store.put(Bytes.of("/binary"), Bytes.of(new byte[] {0, -1, 7}));
            before = store.listing("/");
        }

        try (EmbeddedStore store = open()) {
            assertThat(store.listing("/")).isEqualTo(before);
            KeyValue a = store.get("/a").orElseThrow();
            assertThat(a.version()).isEqualTo(2);
            assertThat(a.createRevision()).isEqualTo(1);
            assertThat(store.revision()).isEqualTo(6);
            assertThat(store.put("/e", "5")).isEqualTo(7);
        }
    }

    @Test
    void reopenAfterASnapshotAndMoreWritesKeepsEverything() throws IOException {
        Listing before;
        try (EmbeddedStore store = open()) {
            for (int i = 0; i < 10; i++) {
                store.put("/k" + i, "v" + i);
            }
            store.snapshot();
            store.put("/k3", "changed");
            store.delete("/k4");
            before = store.listing("/");
        }

        assertThat(directory.resolve(SnapshotFile.NAME)).exists();
        assertThat(LogFiles.segments(directory)).as("segments covered by the snapshot are deleted")
                .extracting(p -> p.getFileName().toString()).containsExactly("wal-00000000000000000011.log");
        try (EmbeddedStore store = open()) {
            assertThat(store.listing("/")).isEqualTo(before);
            assertThat(store.get("/k3").orElseThrow().version()).isEqualTo(2);
        }
    }

    @Test
    void segmentsLeftBehindByACrashRightAfterASnapshotAreSkippedAndDeleted() throws IOException {
        Path oldSegment;
        byte[] oldBytes;
        Listing before;
        try (EmbeddedStore store = open()) {
            for (int i = 0; i < 5; i++) {
                store.put("/k" + i, "v" + i);
            }
            oldSegment = LogFiles.lastSegment(directory);
            oldBytes = Files.readAllBytes(oldSegment);
            store.snapshot();
            store.put("/k0", "after");
            before = store.listing("/");
        }
        Files.write(oldSegment, oldBytes); // as if the crash came before the delete

        try (EmbeddedStore store = open()) {
            assertThat(store.listing("/")).isEqualTo(before);
        }
        assertThat(oldSegment).doesNotExist();
    }

    @Test
    void snapshotsHappenByThemselvesAndKeepTheLogShort() throws IOException {
        EmbeddedStoreConfig config = EmbeddedStoreConfig.defaults(directory).withSnapshotLogBytes(4096);
        String value = "x".repeat(100);
        Listing before;
        try (EmbeddedStore store = open(config)) {
            for (int i = 0; i < 300; i++) {
                store.put("/k" + (i % 50), value + i);
            }
            before = store.listing("/");
        }

        assertThat(directory.resolve(SnapshotFile.NAME)).exists();
        assertThat(LogFiles.segments(directory)).hasSizeLessThanOrEqualTo(2);
        try (EmbeddedStore store = open(config)) {
            assertThat(store.listing("/")).isEqualTo(before);
            assertThat(store.revision()).isEqualTo(300);
        }
    }

    @Test
    void aTornLastRecordIsDroppedAndTheStoreOpens() throws IOException {
        try (EmbeddedStore store = open()) {
            for (int i = 1; i <= 5; i++) {
                store.put("/k" + i, "v" + i);
            }
        }
        Path segment = LogFiles.lastSegment(directory);
        long[] lastFrame = LogFiles.frames(segment).getLast();
        truncate(segment, lastFrame[0] + lastFrame[1] - 3);

        try (EmbeddedStore store = open()) {
            assertThat(store.revision()).isEqualTo(4);
            assertThat(store.get("/k4")).isPresent();
            assertThat(store.get("/k5")).isEmpty();
            assertThat(store.put("/k5", "again")).isEqualTo(5);
        }
        try (EmbeddedStore store = open()) {
            assertThat(store.get("/k5").orElseThrow().valueString()).isEqualTo("again");
        }
    }

    @Test
    void zerosAfterTheLastRecordAreTruncated() throws IOException {
        try (EmbeddedStore store = open()) {
            store.put("/a", "1");
            store.put("/b", "2");
        }
        Path segment = LogFiles.lastSegment(directory);
        long size = Files.size(segment);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.allocate(4096));
        }

        try (EmbeddedStore store = open()) {
            assertThat(store.revision()).isEqualTo(2);
        }
        assertThat(Files.size(segment)).isEqualTo(size);
    }

    @Test
    void aDamagedRecordFollowedByIntactOnesFailsTheOpenInsteadOfDroppingThem() throws IOException {
        try (EmbeddedStore store = open()) {
            for (int i = 1; i <= 5; i++) {
                store.put("/k" + i, "v" + i);
            }
        }
        Path segment = LogFiles.lastSegment(directory);
        long[] second = LogFiles.frames(segment).get(1);
        flipByte(segment, second[0] + 12);

        assertThatThrownBy(this::open).isInstanceOfSatisfying(WharfException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DATA_DIR_INVALID);
            assertThat(e.hint()).isNotEmpty();
        });
        // The refusal changes nothing on disk and leaves the directory unlocked.
        assertThat(LogFiles.frames(segment)).hasSize(5);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(WharfException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_DIR_INVALID));
    }

    @Test
    void aSegmentCutShortWhileBeingCreatedIsRepaired() throws IOException {
        try (EmbeddedStore store = open()) {
            store.put("/a", "1");
        }
        Files.write(WriteAheadLog.segmentPath(directory, 2), new byte[7]);

        try (EmbeddedStore store = open()) {
            assertThat(store.revision()).isEqualTo(1);
            store.put("/b", "2");
        }
        try (EmbeddedStore store = open()) {
            assertThat(store.get("/b")).isPresent();
            assertThat(store.revision()).isEqualTo(2);
        }
    }

    @Test
    void aLeftoverTemporarySnapshotIsIgnored() throws IOException {
        try (EmbeddedStore store = open()) {
            store.put("/a", "1");
        }
        Files.write(directory.resolve(SnapshotFile.TEMP_NAME), new byte[] {1, 2, 3});

        try (EmbeddedStore store = open()) {
            assertThat(store.get("/a")).isPresent();
        }
        assertThat(directory.resolve(SnapshotFile.TEMP_NAME)).doesNotExist();
    }

    @Test
    void aDamagedSnapshotFailsTheOpen() throws IOException {
        try (EmbeddedStore store = open()) {
            store.put("/a", "1");
            store.snapshot();
        }
        flipByte(directory.resolve(SnapshotFile.NAME), 30);

        assertThatThrownBy(this::open).isInstanceOfSatisfying(WharfException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DATA_DIR_INVALID));
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        try (EmbeddedStore first = open()) {
            first.put("/a", "1");
            assertThatThrownBy(this::open).isInstanceOfSatisfying(WharfException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.DATA_DIR_LOCKED);
                assertThat(e.getMessage()).contains(directory.toString()).contains(String.valueOf(ProcessHandle.current().pid()));
                assertThat(e.hint()).contains("data directory");
            });
            assertThat(first.get("/a")).isPresent();
        }
        try (EmbeddedStore again = open()) {
            assertThat(again.get("/a")).isPresent();
        }
    }

    @Test
    void keysOfLeasesFromBeforeTheRestartAreDeletedOnOpen() {
        try (EmbeddedStore store = open()) {
            long lease = store.grantLease(Duration.ofHours(1));
            store.put("/nodes/n1", "alive", lease);
            store.put("/nodes/n2", "alive", lease);
            store.put("/volumes/v1", "kept");
        }

        try (EmbeddedStore store = open()) {
            assertThat(store.range("/nodes/")).isEmpty();
            assertThat(store.get("/volumes/v1")).isPresent();
            assertThat(store.revision()).as("the cleanup is one write").isEqualTo(4);
        }
        try (EmbeddedStore store = open()) {
            assertThat(store.revision()).isEqualTo(4);
        }
    }

    @Test
    void leasesExpireByThemselvesOnTheInjectedClock() throws Exception {
        EmbeddedStoreConfig config = new EmbeddedStoreConfig(directory, 100, 1 << 20, Duration.ofMillis(5));
        try (EmbeddedStore store = open(config)) {
            long lease = store.grantLease(Duration.ofSeconds(5));
            store.put("/nodes/n1", "alive", lease);
            EventRecorder recorder = new EventRecorder();
            try (Watch _ = store.watch("/nodes/", store.revision(), recorder)) {
                clock.advance(Duration.ofSeconds(6));

                assertThat(recorder.next(WAIT)).isInstanceOf(WatchEvent.Delete.class);
            }
        }
    }

    @Test
    void afterReopenWatchHistoryReachesBackToTheSnapshot() throws Exception {
        try (EmbeddedStore store = open()) {
            store.put("/a", "1");
            store.put("/a", "2");
        }
        try (EmbeddedStore store = open()) {
            EventRecorder recorder = new EventRecorder();
            try (Watch _ = store.watch("/", 0, recorder)) {
                assertThat(recorder.next(2, WAIT)).extracting(WatchEvent::revision).containsExactly(1L, 2L);
            }
            store.snapshot();
        }
        try (EmbeddedStore store = open()) {
            EventRecorder recorder = new EventRecorder();
            try (Watch _ = store.watch("/", 0, recorder)) {
                assertThat(recorder.next(WAIT)).isEqualTo(new WatchEvent.Compacted(3));
            }
        }
    }

    @Test
    void historyIsBoundedAndASlowWatcherIsToldItWasCompacted() throws Exception {
        EmbeddedStoreConfig config = EmbeddedStoreConfig.defaults(directory).withHistoryRevisions(10);
        try (EmbeddedStore store = open(config)) {
            for (int i = 0; i < 25; i++) {
                store.put("/k", String.valueOf(i));
            }
            EventRecorder recorder = new EventRecorder();
            try (Watch _ = store.watch("/", 0, recorder)) {
                assertThat(recorder.next(WAIT)).isEqualTo(new WatchEvent.Compacted(16));
            }
            EventRecorder recent = new EventRecorder();
            try (Watch _ = store.watch("/", 15, recent)) {
                assertThat(recent.next(10, WAIT)).extracting(WatchEvent::revision)
                        .containsExactly(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L);
            }
        }
    }

    @Test
    void aTransactionLargerThanEtcdAllowsIsRefused() {
        try (EmbeddedStore store = open()) {
            Bytes big = Bytes.of(new byte[EmbeddedStore.MAX_TXN_BYTES]);

            assertThatThrownBy(() -> store.put(Bytes.of("/big"), big)).isInstanceOfSatisfying(WharfException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            assertThat(store.revision()).isZero();
            assertThat(store.put("/small", "ok")).isEqualTo(1);
        }
    }

    @Test
    void aClosedStoreRefusesWithUnavailable() {
        EmbeddedStore store = open();
        store.close();
        store.close();

        assertThatThrownBy(() -> store.put("/a", "1")).isInstanceOfSatisfying(WharfException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThatThrownBy(() -> store.get("/a")).isInstanceOf(WharfException.class);
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
            channel.write(one, offset);
        }
    }
}
