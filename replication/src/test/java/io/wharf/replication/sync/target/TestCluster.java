package io.wharf.replication.sync.target;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.CasResult;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.ManualScheduler;
import io.wharf.replication.sync.MemoryDisk;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RebuildSeeder;
import io.wharf.replication.sync.RecordStore;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicaEntry;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicaState;
import io.wharf.replication.sync.ReplicationConfig;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.ReplicationRecord;
import io.wharf.replication.sync.Versioned;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import io.wharf.replication.sync.replica.ReplicaStateStore;
import io.wharf.replication.sync.replica.ReplicaVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * In-process replicas (the real {@link ReplicaVolume} on {@link MemoryDisk}s) and an in-memory
 * record store on one {@link ManualScheduler}, with switches: a node can be unreachable (its calls
 * never answer), restarted (its sessions die), and the store unreachable.
 */
final class TestCluster {
    static final String VOLUME = "v";
    static final int SIZE = 1 << 20;
    static final int REGION = 64 * 1024;
    static final long MS = 1_000_000;
    static final ReplicationConfig CONFIG = new ReplicationConfig(REGION, 30 * MS, 10 * MS, 3, 0, 50 * MS, 1, 256, 0, 0);

    /** The configuration the next {@link #attach} uses. */
    ReplicationConfig config = CONFIG;
    /** The seeder the next {@link #attach} gives the target; null: none. */
    RebuildSeeder seeder;
    final ManualScheduler scheduler = new ManualScheduler();
    final RegionGeometry geometry = RegionGeometry.of(SIZE, REGION);
    final Map<String, Node> nodes = new TreeMap<>();
    final Store store = new Store();

    final class Node {
        final String id;
        final MemoryDisk disk = new MemoryDisk(SIZE, scheduler);
        ReplicaMetadata durable = ReplicaMetadata.fresh(geometry);
        ReplicaVolume replica;
        int incarnation;
        boolean unreachable;
        /** Writes that match are swallowed: never applied, never answered (a message lost). */
        Predicate<Long> dropWritesAt = offset -> false;
        int reads;

        Node(String id) {
            this.id = id;
            start();
        }

        void start() {
            incarnation++;
            replica = new ReplicaVolume(id, VOLUME, durable.geometry(REGION), durable, disk, (metadata, done) -> {
                durable = metadata;
                scheduler.execute(() -> done.complete(Outcome.done()));
            }, scheduler, ReplicationListener.NONE);
        }
    }

    final class Store implements RecordStore {
        Versioned<ReplicationRecord> current;
        boolean unreachable;
        final List<ReplicationRecord> history = new ArrayList<>();

        void put(ReplicationRecord record) {
            current = new Versioned<>(record, current == null ? 1 : current.revision() + 1);
            history.add(record);
        }

        @Override
        public void read(String volumeId, Completion<Versioned<ReplicationRecord>> done) {
            if (!unreachable) {
                Versioned<ReplicationRecord> answer = current;
                scheduler.execute(() -> done.complete(Outcome.ok(answer)));
            }
        }

        @Override
        public void compareAndSet(String volumeId, long expectedRevision, ReplicationRecord next, Completion<CasResult> done) {
            if (unreachable) {
                return;
            }
            CasResult result;
            if (current.revision() != expectedRevision) {
                result = new CasResult.Conflict(current);
            } else {
                put(next);
                result = new CasResult.Committed(current.revision());
            }
            scheduler.execute(() -> done.complete(Outcome.ok(result)));
        }
    }

    TestCluster(String... replicaNodes) {
        List<ReplicaEntry> entries = new ArrayList<>();
        for (String id : replicaNodes) {
            nodes.put(id, new Node(id));
            entries.add(new ReplicaEntry(id, ReplicaState.IN_SYNC));
        }
        store.put(new ReplicationRecord(VOLUME, SIZE, 0, null, entries));
    }

    ReplicatedVolume attach(String on) {
        ReplicatedVolume[] attached = new ReplicatedVolume[1];
        Outcome<?>[] failed = new Outcome<?>[1];
        ReplicatedVolume.attach(VOLUME, on, scheduler, store, this::endpoint, config, ReplicationListener.NONE, seeder, outcome -> {
            if (outcome instanceof Outcome.Ok<ReplicatedVolume>(ReplicatedVolume volume)) {
                attached[0] = volume;
            } else {
                failed[0] = outcome;
            }
        });
        scheduler.advance(200 * MS);
        if (attached[0] == null) {
            throw new AssertionError("attach on " + on + " failed: " + failed[0]);
        }
        return attached[0];
    }

    <T> Outcome<T> await(java.util.function.Consumer<Completion<T>> call) {
        List<Outcome<T>> answer = new ArrayList<>();
        call.accept(answer::add);
        for (int i = 0; i < 100 && answer.isEmpty(); i++) {
            scheduler.advance(MS);
        }
        if (answer.isEmpty()) {
            throw new AssertionError("no answer within 100 ms");
        }
        return answer.getFirst();
    }

    static ByteBuffer block(int value) {
        byte[] bytes = new byte[4096];
        java.util.Arrays.fill(bytes, (byte) value);
        return ByteBuffer.wrap(bytes);
    }

    ReplicaEndpoint endpoint(String nodeId) {
        Node node = nodes.computeIfAbsent(nodeId, Node::new);
        return new ReplicaEndpoint() {
            @Override
            public String nodeId() {
                return nodeId;
            }

            @Override
            public void open(String volumeId, long epoch, long sizeBytes, boolean create, Completion<ReplicaSession> done) {
                if (node.unreachable) {
                    return;
                }
                int incarnation = node.incarnation;
                node.replica.open(epoch, sizeBytes, outcome -> done.complete(switch (outcome) {
                    case Outcome.Ok<Long>(Long session) -> Outcome.ok(new Session(node, incarnation, session, epoch));
                    default -> Outcome.castFailure(outcome);
                }));
            }
        };
    }

    /** A session bound to one incarnation of one node: after a restart every call fails. */
    private final class Session implements ReplicaSession {
        private final Node node;
        private final int incarnation;
        private final long session;
        private final long epoch;

        Session(Node node, int incarnation, long session, long epoch) {
            this.node = node;
            this.incarnation = incarnation;
            this.session = session;
            this.epoch = epoch;
        }

        private boolean gone(Completion<?> done) {
            if (node.unreachable) {
                return true; // no answer: the caller's deadline fails it
            }
            if (node.incarnation != incarnation) {
                scheduler.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "restarted")));
                return true;
            }
            return false;
        }

        @Override
        public String nodeId() {
            return node.id;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public void read(long offset, int length, Completion<ByteBuffer> done) {
            if (!gone(done)) {
                node.reads++;
                node.replica.read(session, epoch, offset, length, done);
            }
        }

        @Override
        public void write(long offset, ByteBuffer data, boolean fua, Completion<Void> done) {
            if (!gone(done) && !node.dropWritesAt.test(offset)) {
                node.replica.write(session, epoch, offset, data, fua, done);
            }
        }

        @Override
        public void trim(long offset, long length, boolean fua, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.trim(session, epoch, offset, length, fua, done);
            }
        }

        @Override
        public void flush(Completion<Void> done) {
            if (!gone(done)) {
                node.replica.flush(session, epoch, done);
            }
        }

        @Override
        public void regions(RegionLog log, String peer, Completion<Optional<RegionSet>> done) {
            if (!gone(done)) {
                node.replica.regions(session, epoch, log, peer, done);
            }
        }

        @Override
        public void track(String peer, RegionSet regions, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.track(session, epoch, peer, regions, done);
            }
        }

        @Override
        public void untrack(String peer, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.untrack(session, epoch, peer, done);
            }
        }

        @Override
        public void settle(RegionSet regions, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.settle(session, epoch, regions, done);
            }
        }

        @Override
        public void grow(long sizeBytes, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.grow(session, epoch, sizeBytes, done);
            }
        }

        @Override
        public void snapshot(String snapshotId, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.snapshot(session, epoch, snapshotId, done);
            }
        }

        @Override
        public void revert(String snapshotId, Completion<Void> done) {
            if (!gone(done)) {
                node.replica.revert(session, epoch, snapshotId, done);
            }
        }

        @Override
        public void close() {
        }
    }
}
