package io.wharf.node.replication;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.replica.ReplicaVolume;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The target's way to this node's own replica: calls on the {@link ReplicaVolume} directly, on the
 * loop both share, with no frames (no encoding, checksums or decoding of data that never leaves
 * the process). Each call completes as the replica completes it (always after the call returned, on
 * the loop); the core's deadlines bound them as they bound remote calls. A session dies with the
 * process, as the contract asks; a closed one fails every later call.
 */
final class LocalEndpoint implements ReplicaEndpoint {
    private final String nodeId;
    private final ReplicaHost host;
    private final Scheduler loop;

    LocalEndpoint(String nodeId, ReplicaHost host, Scheduler loop) {
        this.nodeId = nodeId;
        this.host = host;
        this.loop = loop;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void open(String volumeId, long epoch, long sizeBytes, boolean create, Completion<ReplicaSession> done) {
        host.open(volumeId, sizeBytes, create, found -> {
            switch (found) {
                case Outcome.Ok<ReplicaVolume>(ReplicaVolume volume) -> volume.open(epoch, sizeBytes, opened -> done.complete(switch (opened) {
                    case Outcome.Ok<Long>(Long session) -> Outcome.ok(new Session(volume, session, epoch));
                    default -> Outcome.castFailure(opened);
                }));
                default -> done.complete(Outcome.castFailure(found));
            }
        });
    }

    private final class Session implements ReplicaSession {
        private final ReplicaVolume volume;
        private final long session;
        private final long epoch;
        private boolean closed;

        Session(ReplicaVolume volume, long session, long epoch) {
            this.volume = volume;
            this.session = session;
            this.epoch = epoch;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public void read(long offset, int length, Completion<ByteBuffer> done) {
            if (open(done)) {
                volume.read(session, epoch, offset, length, done);
            }
        }

        /** Straight from the caller's buffer: the core leaves it unchanged until the completion (see {@link ReplicaSession#write}). */
        @Override
        public void write(long offset, ByteBuffer data, boolean fua, Completion<Void> done) {
            if (open(done)) {
                volume.write(session, epoch, offset, data, fua, done);
            }
        }

        @Override
        public void trim(long offset, long length, boolean fua, Completion<Void> done) {
            if (open(done)) {
                volume.trim(session, epoch, offset, length, fua, done);
            }
        }

        @Override
        public void flush(Completion<Void> done) {
            if (open(done)) {
                volume.flush(session, epoch, done);
            }
        }

        @Override
        public void regions(RegionLog log, String peer, Completion<Optional<RegionSet>> done) {
            if (open(done)) {
                volume.regions(session, epoch, log, peer, done);
            }
        }

        @Override
        public void track(String peer, RegionSet regions, Completion<Void> done) {
            if (open(done)) {
                volume.track(session, epoch, peer, regions.copy(), done);
            }
        }

        @Override
        public void untrack(String peer, Completion<Void> done) {
            if (open(done)) {
                volume.untrack(session, epoch, peer, done);
            }
        }

        @Override
        public void settle(RegionSet regions, Completion<Void> done) {
            if (open(done)) {
                volume.settle(session, epoch, regions.copy(), done);
            }
        }

        @Override
        public void grow(long sizeBytes, Completion<Void> done) {
            if (open(done)) {
                volume.grow(session, epoch, sizeBytes, done);
            }
        }

        @Override
        public void snapshot(String snapshotId, Completion<Void> done) {
            if (open(done)) {
                volume.snapshot(session, epoch, snapshotId, done);
            }
        }

        @Override
        public void revert(String snapshotId, Completion<Void> done) {
            if (open(done)) {
                volume.revert(session, epoch, snapshotId, done);
            }
        }

        @Override
        public void close() {
            closed = true;
        }

        /** False (and {@code done} failed, after this call) once the session was given up. */
        private boolean open(Completion<?> done) {
            if (closed) {
                loop.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "the session on " + nodeId + " was closed")));
            }
            return !closed;
        }
    }
}
