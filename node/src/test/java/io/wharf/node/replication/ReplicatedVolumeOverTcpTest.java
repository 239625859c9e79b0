package io.wharf.node.replication;

import static io.wharf.node.replication.OnLoop.await;
import static io.wharf.node.replication.OnLoop.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.target.ReplicatedVolume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole protocol over the node's real environment: a {@link ReplicatedVolume} on node-a (its own
 * replica called directly) and node-b (over TCP), two real pools, an in-memory record
 * store. Data written through the target is in both pools; node-b lost mid-writes is marked out of
 * sync while writes go on, and resynced after it restarts.
 */
class ReplicatedVolumeOverTcpTest {
    private static final String VOLUME = "vol-r";
    private static final int SIZE = 8 << 20;
    private static final int MIB = 1 << 20;
    private static final long MS = 1_000_000;
    private static final ReplicationConfig CONFIG = new ReplicationConfig(64 * 1024, 3_000 * MS, 50 * MS, 40, 0, 200 * MS, 4, 256, 0, 0);

    @TempDir
    Path directory;

    private final ConcurrentLinkedQueue<ReplicationEvent> events = new ConcurrentLinkedQueue<>();
    private final Map<String, String> addresses = new ConcurrentHashMap<>();
    private final byte[] model = new byte[SIZE];
    private final Random random = new Random(20240611);
    private ReplicaNode a;
    private ReplicaNode b;
    private MemoryRecordStore store;
    private PeerLinks links;
    private ReplicatedVolume volume;

    @BeforeEach
    void start() throws Exception {
        a = ReplicaNode.start("node-a", directory.resolve("a"), CONFIG, events::add);
        b = ReplicaNode.start("node-b", directory.resolve("b"), CONFIG, events::add);
        addresses.put("node-a", a.address());
        addresses.put("node-b", b.address());
        a.pool.create(VOLUME, SIZE);
        b.pool.create(VOLUME, SIZE);
        store = new MemoryRecordStore(a.loop);
        store.put(new ReplicationRecord(VOLUME, SIZE, 0, null,
                List.of(new ReplicaEntry("node-a", ReplicaState.IN_SYNC), new ReplicaEntry("node-b", ReplicaState.IN_SYNC))));
        links = new PeerLinks(ReplicaNode.CLUSTER, "node-a", a.loop, a.host, id -> Optional.ofNullable(addresses.get(id)), CONFIG);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (links != null) {
                links.close();
            }
        } finally {
            try {
                if (b != null) {
                    b.close();
                }
            } finally {
                if (a != null) {
                    a.close();
                }
            }
        }
    }

    @Test
    void writesReachBothPoolsAndAReplicaLostMidWritesIsResyncedAfterItRestarts() throws Exception {
        volume = ok(await(a.loop, done -> ReplicatedVolume.attach(VOLUME, "node-a", a.loop, store, links::endpoint, CONFIG,
                events::add, done)));
        for (int batch = 0; batch < 10; batch++) {
            assertThat(writeBatch(16)).as(this::describe).allMatch(outcome -> outcome instanceof Outcome.Ok<Void>);
        }
        ok(OnLoop.<Void>await(a.loop, volume::flush));
        assertThat(readThroughTarget()).isEqualTo(model);
        assertThat(a.readDirect(VOLUME)).as("node-a's pool").isEqualTo(model);
        assertThat(b.readDirect(VOLUME)).as("node-b's pool").isEqualTo(model);

        AtomicBoolean stopWriting = new AtomicBoolean();
        AtomicLong batches = new AtomicLong();
        ConcurrentLinkedQueue<Object> failures = new ConcurrentLinkedQueue<>();
        Thread writer = Thread.ofPlatform().name("test-writer").start(() -> {
            try {
                while (!stopWriting.get()) {
                    for (Outcome<Void> outcome : writeBatch(8)) {
                        if (!(outcome instanceof Outcome.Ok<Void>)) {
                            failures.add(outcome);
                        }
                    }
                    batches.incrementAndGet();
                }
            } catch (Exception | AssertionError e) {
                failures.add(e);
            }
        });
        try {
            OnLoop.until("writes flow", Duration.ofSeconds(20), () -> batches.get() > 5 || !failures.isEmpty());
            b.stopProcess();
            OnLoop.until("node-b is marked out of sync", Duration.ofSeconds(20),
                    () -> store.current(VOLUME).state("node-b") == ReplicaState.OUT_OF_SYNC);
            long marked = batches.get();
            OnLoop.until("writes go on without node-b", Duration.ofSeconds(20), () -> batches.get() > marked + 10 || !failures.isEmpty());
            assertThat(failures).as("writes while node-b is gone").isEmpty();

            b.startProcess();
            OnLoop.until("node-b is resynced and in sync again", Duration.ofSeconds(60),
                    () -> store.current(VOLUME).state("node-b") == ReplicaState.IN_SYNC || !failures.isEmpty());
            long joined = batches.get();
            OnLoop.until("writes go on to both", Duration.ofSeconds(20), () -> batches.get() > joined + 5 || !failures.isEmpty());
        } finally {
            stopWriting.set(true);
            writer.join(Duration.ofSeconds(30));
        }
        assertThat(failures).as("no write failed").isEmpty();
        assertThat(store.current(VOLUME).state("node-b")).isEqualTo(ReplicaState.IN_SYNC);
        assertThat(events).anyMatch(event -> event instanceof ReplicationEvent.ResyncCompleted completed
                && completed.replica().equals("node-b"));

        ok(OnLoop.<Void>await(a.loop, volume::flush));
        assertThat(readThroughTarget()).isEqualTo(model);
        assertThat(a.readDirect(VOLUME)).as("node-a's pool").isEqualTo(model);
        assertThat(b.readDirect(VOLUME)).as("node-b's pool after its resync").isEqualTo(model);
        ok(OnLoop.<Void>await(a.loop, volume::detach));
    }

    /** Submits {@code count} random writes (one in eight a trim) in order, without waiting between them; then waits for all. */
    private List<Outcome<Void>> writeBatch(int count) throws Exception {
        List<CompletableFuture<Outcome<Void>>> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = 1 + random.nextInt(128 * 1024);
            long offset = random.nextLong(SIZE - length + 1);
            if (random.nextInt(8) == 0) {
                java.util.Arrays.fill(model, (int) offset, (int) offset + length, (byte) 0);
                answers.add(OnLoop.start(a.loop, done -> volume.trim(offset, length, false, done)));
            } else {
                byte[] data = new byte[length];
                random.nextBytes(data);
                System.arraycopy(data, 0, model, (int) offset, length);
                answers.add(OnLoop.start(a.loop, done -> volume.write(offset, ByteBuffer.wrap(data), false, done)));
            }
        }
        List<Outcome<Void>> outcomes = new ArrayList<>();
        for (CompletableFuture<Outcome<Void>> answer : answers) {
            outcomes.add(answer.get(20, TimeUnit.SECONDS));
        }
        return outcomes;
    }

    private byte[] readThroughTarget() throws Exception {
        byte[] all = new byte[SIZE];
        for (int offset = 0; offset < SIZE; offset += MIB) {
            long at = offset;
            ByteBuffer chunk = ok(await(a.loop, done -> volume.read(at, MIB, done)));
            chunk.get(all, offset, MIB);
        }
        return all;
    }

    private String describe() {
        try {
            return OnLoop.get(a.loop, () -> volume.status() + " " + volume.diagnostics()) + " events " + events;
        } catch (Exception e) {
            return "no diagnostics: " + e;
        }
    }
}
