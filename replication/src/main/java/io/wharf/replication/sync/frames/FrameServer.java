package io.wharf.replication.sync.frames;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.sync.replica.ReplicaVolume;
import io.wharf.replication.wire.DecodeError;
import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.RegionBits;
import io.wharf.replication.wire.Status;
import io.wharf.replication.wire.SyncFrameCodec;
import io.wharf.replication.wire.SyncMessage;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The replica side of one connection: decodes request frames, suppresses duplicates by request id,
 * maps handles to {@link ReplicaVolume} sessions and answers with reply frames. Single-threaded, on
 * the replica's {@link Scheduler}. A malformed frame closes the connection (the stream cannot be
 * trusted after it), as the node's transport does.
 */
public final class FrameServer {
    /** The node's pool, as the protocol needs it. */
    @FunctionalInterface
    public interface Volumes {
        /** The replica of {@code volumeId} here (created empty first when {@code create} and absent); VOLUME_NOT_FOUND otherwise. */
        void open(String volumeId, long sizeBytes, boolean create, Completion<ReplicaVolume> done);
    }

    private final Volumes volumes;
    private final FrameLink link;
    private final Map<Integer, Handle> handles = new HashMap<>();
    private final RequestWindow window = new RequestWindow();
    private int nextHandle = 1;
    private boolean closed;

    private record Handle(ReplicaVolume volume, long session) {}

    public FrameServer(Volumes volumes, FrameLink link) {
        this.volumes = volumes;
        this.link = link;
    }

    /** One whole frame from the peer. */
    public void receive(ByteBuffer frame) {
        if (closed) {
            return;
        }
        if (SyncFrameCodec.isSyncType(SyncFrameCodec.typeCode(frame))) {
            switch (SyncFrameCodec.decode(frame)) {
                case DecodeResult.Ok<SyncMessage>(SyncMessage message) -> {
                    if (window.firstTime(message.requestId())) {
                        dispatch(message);
                    }
                }
                case DecodeResult.Malformed<SyncMessage>(DecodeError error) -> protocolError(error.toString());
                case DecodeResult.Incomplete<SyncMessage> incomplete -> protocolError("truncated frame " + incomplete);
            }
            return;
        }
        switch (FrameCodec.decode(frame)) {
            case DecodeResult.Ok<Message>(Message message) -> {
                if (window.firstTime(message.requestId())) {
                    dispatch(message);
                }
            }
            case DecodeResult.Malformed<Message>(DecodeError error) -> protocolError(error.toString());
            case DecodeResult.Incomplete<Message> incomplete -> protocolError("truncated frame " + incomplete);
        }
    }

    /** The connection ended: forget its handles (their sessions are superseded by the next open anyway). */
    public void close() {
        closed = true;
        handles.clear();
    }

    private void protocolError(String why) {
        close();
        link.close("protocol error: " + why);
    }

    private void dispatch(SyncMessage message) {
        long id = message.requestId();
        switch (message) {
            case SyncMessage.OpenFenced open -> volumes.open(open.volumeId(), open.sizeBytes(), open.create(), found -> {
                switch (found) {
                    case Outcome.Ok<ReplicaVolume>(ReplicaVolume volume) -> volume.open(open.epoch(), open.sizeBytes(), opened -> {
                        switch (opened) {
                            case Outcome.Ok<Long>(Long session) -> {
                                int handle = nextHandle++;
                                if (nextHandle == 0) {
                                    nextHandle = 1;
                                }
                                handles.put(handle, new Handle(volume, session));
                                reply(new Message.Opened(id, handle, open.epoch(), volume.geometry().sizeBytes(), 4096));
                            }
                            default -> reply(error(id, opened));
                        }
                    });
                    default -> reply(error(id, found));
                }
            });
            case SyncMessage.GetRegions get -> withHandle(id, get.volumeHandle(), handle -> handle.volume.regions(handle.session,
                    get.epoch(), get.log() == SyncMessage.RegionLog.ACTIVITY ? RegionLog.ACTIVITY : RegionLog.DIRTY, get.peer(),
                    answer -> reply(answer instanceof Outcome.Ok<Optional<RegionSet>>(Optional<RegionSet> set)
                            ? Message.Reply.data(id, RegionBits.encodeOptional(set.map(FrameServer::bits))) : error(id, answer))));
            case SyncMessage.TrackPeer track -> withHandle(id, track.volumeHandle(), handle -> handle.volume.track(handle.session,
                    track.epoch(), track.peer(), regions(track.regions()), answer -> reply(ok(id, answer))));
            case SyncMessage.UntrackPeer untrack -> withHandle(id, untrack.volumeHandle(), handle -> handle.volume.untrack(
                    handle.session, untrack.epoch(), untrack.peer(), answer -> reply(ok(id, answer))));
            case SyncMessage.SettleRegions settle -> withHandle(id, settle.volumeHandle(), handle -> handle.volume.settle(
                    handle.session, settle.epoch(), regions(settle.regions()), answer -> reply(ok(id, answer))));
            case SyncMessage.GrowVolume grow -> withHandle(id, grow.volumeHandle(), handle -> handle.volume.grow(handle.session,
                    grow.epoch(), grow.sizeBytes(), answer -> reply(ok(id, answer))));
            case SyncMessage.SnapshotVolume snapshot -> withHandle(id, snapshot.volumeHandle(), handle -> handle.volume.snapshot(
                    handle.session, snapshot.epoch(), snapshot.snapshotId(), answer -> reply(ok(id, answer))));
            case SyncMessage.RevertVolume revert -> withHandle(id, revert.volumeHandle(), handle -> handle.volume.revert(
                    handle.session, revert.epoch(), revert.snapshotId(), answer -> reply(ok(id, answer))));
        }
    }

    private void dispatch(Message message) {
        long id = message.requestId();
        switch (message) {
            case Message.Read read -> withHandle(id, read.volumeHandle(), handle -> handle.volume.read(handle.session, read.epoch(),
                    read.offset(), read.length(), answer -> reply(answer instanceof Outcome.Ok<ByteBuffer>(ByteBuffer data)
                            ? Message.Reply.data(id, data) : error(id, answer))));
            case Message.Write write -> withHandle(id, write.volumeHandle(), handle -> handle.volume.write(handle.session,
                    write.epoch(), write.offset(), write.data(), write.fua(), answer -> reply(ok(id, answer))));
            case Message.Trim trim -> withHandle(id, trim.volumeHandle(), handle -> handle.volume.trim(handle.session, trim.epoch(),
                    trim.offset(), trim.length(), trim.fua(), answer -> reply(ok(id, answer))));
            case Message.WriteZeroes zeroes -> withHandle(id, zeroes.volumeHandle(), handle -> handle.volume.trim(handle.session,
                    zeroes.epoch(), zeroes.offset(), zeroes.length(), zeroes.fua(), answer -> reply(ok(id, answer))));
            case Message.Flush flush -> withHandle(id, flush.volumeHandle(), handle -> handle.volume.flush(handle.session,
                    flush.epoch(), answer -> reply(ok(id, answer))));
            case Message.Close close -> reply(handles.remove(close.volumeHandle()) != null ? Message.Reply.ok(id)
                    : unknownHandle(id, close.volumeHandle()));
            case Message.Extents _ -> reply(Message.Reply.error(id, Status.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT,
                    "EXTENTS is not served on a synchronous replication session"));
            case Message.Hello _, Message.HelloOk _, Message.Open _, Message.Opened _, Message.Reply _ ->
                    protocolError(message.type() + " is not a request this server takes here");
        }
    }

    private void withHandle(long id, int handle, java.util.function.Consumer<Handle> call) {
        Handle found = handles.get(handle);
        if (found == null) {
            reply(unknownHandle(id, handle));
        } else {
            call.accept(found);
        }
    }

    private void reply(Message message) {
        if (closed) {
            return;
        }
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(message));
        FrameCodec.encode(message, frame);
        link.send(frame.flip());
    }

    private static Message.Reply ok(long id, Outcome<Void> outcome) {
        return outcome instanceof Outcome.Ok<Void> ? Message.Reply.ok(id) : error(id, outcome);
    }

    /** The reply for a non-Ok outcome. */
    static Message.Reply error(long id, Outcome<?> outcome) {
        return switch (outcome) {
            case Outcome.StaleEpoch<?> stale -> Message.Reply.error(id, Status.STALE_EPOCH, ErrorCode.UNAVAILABLE,
                    "the replica has seen epoch " + stale.epoch());
            case Outcome.Failed<?> failed -> Message.Reply.error(id, Status.of(failed.code()), failed.code(), failed.message());
            case Outcome.Ok<?> ok -> throw new IllegalArgumentException("not a failure: " + ok);
        };
    }

    private static Message.Reply unknownHandle(long id, int handle) {
        return Message.Reply.error(id, Status.UNKNOWN_HANDLE, ErrorCode.INVALID_ARGUMENT, "volume handle "
                + Integer.toUnsignedString(handle) + " is not open on this connection");
    }

    private static RegionBits bits(RegionSet set) {
        return new RegionBits(set.regionCount(), set.toBitSet());
    }

    private static RegionSet regions(RegionBits bits) {
        return RegionSet.of(bits.regionCount(), bits.bits());
    }
}
