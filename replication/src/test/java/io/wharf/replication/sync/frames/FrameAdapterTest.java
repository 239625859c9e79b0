package io.wharf.replication.sync.frames;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.ManualScheduler;
import io.wharf.replication.sync.MemoryDisk;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionGeometry;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.ReplicationListener;
import io.wharf.replication.sync.replica.ReplicaMetadata;
import io.wharf.replication.sync.replica.ReplicaVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The core's calls through real frames: FrameEndpoint on one side, FrameServer and a ReplicaVolume on the other. */
class FrameAdapterTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RegionGeometry geometry = RegionGeometry.of(1 << 20, 64 * 1024);
    private final List<ByteBuffer> toServer = new ArrayList<>();
    private ReplicaVolume replica;
    private FrameServer server;
    private FrameEndpoint endpoint;
    private FrameLink clientLink;
    private boolean duplicate;

    @BeforeEach
    void setUp() {
        MemoryDisk disk = new MemoryDisk(1 << 20, scheduler);
        replica = new ReplicaVolume("n2", "v", geometry, ReplicaMetadata.fresh(geometry), disk,
                (metadata, done) -> scheduler.execute(() -> done.complete(Outcome.done())), scheduler, ReplicationListener.NONE);
        endpoint = new FrameEndpoint("n2", scheduler, me -> {
            FrameLink serverLink = new FrameLink() {
                @Override
                public void send(ByteBuffer frame) {
                    scheduler.execute(() -> endpoint.receive(clientLink, frame));
                }

                @Override
                public void close(String reason) {
                    endpoint.broken(clientLink, reason);
                }
            };
            server = new FrameServer((volumeId, size, create, done) -> scheduler.execute(() -> done.complete(
                    volumeId.equals("v") ? Outcome.ok(replica) : Outcome.failed(ErrorCode.VOLUME_NOT_FOUND, volumeId))), serverLink);
            clientLink = new FrameLink() {
                @Override
                public void send(ByteBuffer frame) {
                    toServer.add(frame);
                    scheduler.execute(() -> server.receive(frame.duplicate()));
                    if (duplicate) {
                        scheduler.execute(() -> server.receive(frame.duplicate()));
                    }
                }

                @Override
                public void close(String reason) {
                    server.close();
                }
            };
            return clientLink;
        }, 30_000_000);
    }

    private <T> Outcome<T> run(java.util.function.Consumer<io.wharf.replication.sync.Completion<T>> call) {
        List<Outcome<T>> answers = new ArrayList<>();
        call.accept(answers::add);
        scheduler.advance(1_000_000);
        assertThat(answers).hasSize(1);
        return answers.getFirst();
    }

    private ReplicaSession open(long epoch) {
        return ((Outcome.Ok<ReplicaSession>) this.<ReplicaSession>run(done -> endpoint.open("v", epoch, 1 << 20, false, done))).value();
    }

    @Test
    void everyCallCrossesAsFramesAndComesBack() {
        ReplicaSession session = open(3);
        assertThat(session.epoch()).isEqualTo(3);
        ByteBuffer data = ByteBuffer.allocate(8192);
        data.put(0, (byte) 42);
        assertThat(this.<Void>run(done -> session.write(65536, data, true, done))).isEqualTo(Outcome.done());
        ByteBuffer read = ((Outcome.Ok<ByteBuffer>) this.<ByteBuffer>run(done -> session.read(65536, 8192, done))).value();
        assertThat(read.get(0)).isEqualTo((byte) 42);
        RegionSet some = geometry.emptySet();
        some.add(9);
        assertThat(this.<Void>run(done -> session.track("n3", some, done))).isEqualTo(Outcome.done());
        Optional<RegionSet> activity = ((Outcome.Ok<Optional<RegionSet>>) this.<Optional<RegionSet>>run(
                done -> session.regions(RegionLog.ACTIVITY, null, done))).value();
        assertThat(activity.orElseThrow().contains(1)).isTrue();
        Optional<RegionSet> dirty = ((Outcome.Ok<Optional<RegionSet>>) this.<Optional<RegionSet>>run(
                done -> session.regions(RegionLog.DIRTY, "n3", done))).value();
        assertThat(dirty.orElseThrow().contains(9)).isTrue();
        assertThat(this.<Void>run(done -> session.settle(activity.get(), done))).isEqualTo(Outcome.done());
        assertThat(this.<Void>run(done -> session.untrack("n3", done))).isEqualTo(Outcome.done());
        assertThat(this.<Void>run(done -> session.flush(done))).isEqualTo(Outcome.done());
        assertThat(this.<Void>run(done -> session.trim(0, 4096, false, done))).isEqualTo(Outcome.done());
    }

    @Test
    void aStaleEpochTravelsAsStaleEpochWithTheReplicasEpoch() {
        ReplicaSession old = open(3);
        open(5);
        assertThat(this.<Void>run(done -> old.write(0, ByteBuffer.allocate(512), false, done))).isEqualTo(new Outcome.StaleEpoch<>(5));
        assertThat(this.<ReplicaSession>run(done -> endpoint.open("v", 4, 1 << 20, false, done))).isEqualTo(new Outcome.StaleEpoch<>(5));
        assertThat(this.<ReplicaSession>run(done -> endpoint.open("w", 6, 1 << 20, false, done)))
                .isInstanceOfSatisfying(Outcome.Failed.class, failed -> assertThat(failed.code()).isEqualTo(ErrorCode.VOLUME_NOT_FOUND));
    }

    @Test
    void aDuplicatedRequestIsAppliedOnce() {
        ReplicaSession session = open(1);
        duplicate = true;
        ByteBuffer first = ByteBuffer.allocate(4096);
        first.put(0, (byte) 1);
        ByteBuffer second = ByteBuffer.allocate(4096);
        second.put(0, (byte) 2);
        this.<Void>run(done -> session.write(0, first, false, done));
        ByteBuffer delayedCopy = toServer.getLast().duplicate(); // the first write's frame, delivered again later
        this.<Void>run(done -> session.write(0, second, false, done));
        server.receive(delayedCopy);
        scheduler.advance(1_000_000);
        ByteBuffer read = ((Outcome.Ok<ByteBuffer>) this.<ByteBuffer>run(done -> session.read(0, 4096, done))).value();
        assertThat(read.get(0)).as("the late duplicate did not undo the second write").isEqualTo((byte) 2);
    }

    @Test
    void aBrokenLinkFailsWhatWaitsAndEveryLaterCallOnItsSessions() {
        ReplicaSession session = open(1);
        List<Outcome<ByteBuffer>> answers = new ArrayList<>();
        endpoint.broken(clientLink, "reset");
        session.read(0, 4096, answers::add);
        scheduler.advance(1_000_000);
        assertThat(answers).singleElement().isInstanceOf(Outcome.Failed.class);
        assertThat(open(2).epoch()).as("the next open makes a new link").isEqualTo(2);
    }

    @Test
    void requestIdsAreSeenOnceWithinTheWindow() {
        RequestWindow window = new RequestWindow();
        assertThat(window.firstTime(10)).isTrue();
        assertThat(window.firstTime(12)).isTrue();
        assertThat(window.firstTime(10)).isFalse();
        assertThat(window.firstTime(11)).isTrue();
        assertThat(window.firstTime(10 + 3 * RequestWindow.SPAN)).isTrue();
        assertThat(window.firstTime(12)).as("below the window: too old to trust").isFalse();
    }
}
