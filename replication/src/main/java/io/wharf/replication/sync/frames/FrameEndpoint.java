package io.wharf.replication.sync.frames;

import io.wharf.core.ErrorCode;
import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.RegionLog;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaEndpoint;
import io.wharf.replication.sync.ReplicaSession;
import io.wharf.replication.sync.Scheduler;
import io.wharf.replication.wire.DecodeResult;
import io.wharf.replication.wire.ErrorDetail;
import io.wharf.replication.wire.FrameCodec;
import io.wharf.replication.wire.Message;
import io.wharf.replication.wire.RegionBits;
import io.wharf.replication.wire.Status;
import io.wharf.replication.wire.SyncFrameCodec;
import io.wharf.replication.wire.SyncMessage;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link ReplicaEndpoint} that speaks the wire protocol over a {@link FrameLink}: each call becomes
 * a request frame (version-1 READ/WRITE/TRIM/FLUSH/CLOSE, or a {@link SyncMessage}); each reply frame
 * completes the call it answers. Single-threaded, on its {@link Scheduler}.
 *
 * <p>One link at a time: it is made on the first open and replaced after it breaks. Sessions are
 * bound to the link they were opened on, so a session never outlives its connection (the contract
 * of {@link ReplicaSession}): once the link broke, every call on it fails at once. Requests whose
 * reply never comes are failed after {@code requestTimeoutNanos} (swept, not one timer each).
 */
public final class FrameEndpoint implements ReplicaEndpoint {
    private static final Pattern EPOCH = Pattern.compile("epoch (\\d+)");

    /** Makes a new link to the peer; its incoming frames go to {@link #receive}, its end to {@link #broken}. */
    @FunctionalInterface
    public interface Connector {
        FrameLink connect(FrameEndpoint endpoint);
    }

    private final String nodeId;
    private final Scheduler scheduler;
    private final Connector connector;
    private final long requestTimeoutNanos;
    private FrameLink link;
    private long nextRequestId = 1;
    private long lastSweepNanos;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();

    private record Pending(FrameLink link, long sentNanos, Function<Message, Outcome<?>> onReply, Completion<Object> done) {}

    public FrameEndpoint(String nodeId, Scheduler scheduler, Connector connector, long requestTimeoutNanos) {
        this.nodeId = nodeId;
        this.scheduler = scheduler;
        this.connector = connector;
        this.requestTimeoutNanos = requestTimeoutNanos;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public void open(String volumeId, long epoch, long sizeBytes, boolean create, Completion<ReplicaSession> done) {
        if (link == null) {
            link = connector.connect(this);
        }
        FrameLink opening = link;
        long id = nextRequestId++;
        send(opening, SyncFrameCodec.encode(new SyncMessage.OpenFenced(id, volumeId, epoch, sizeBytes, create)), id, reply -> switch (reply) {
            case Message.Opened opened -> Outcome.ok(new Session(opening, opened.volumeHandle(), epoch));
            case Message.Reply error -> failure(error);
            default -> Outcome.failed(ErrorCode.INTERNAL, "unexpected answer to OPEN_FENCED: " + reply.type());
        }, done);
    }

    /** A frame arrived on {@code from}. */
    public void receive(FrameLink from, ByteBuffer frame) {
        DecodeResult<Message> decoded = FrameCodec.decode(frame);
        if (!(decoded instanceof DecodeResult.Ok<Message>(Message message))
                || !(message instanceof Message.Reply || message instanceof Message.Opened)) {
            from.close("malformed or unexpected frame from " + nodeId + ": " + decoded);
            broken(from, "protocol error");
            return;
        }
        Pending request = pending.get(message.requestId());
        if (request == null || request.link != from) {
            return; // answer to a request given up already, or a duplicate
        }
        pending.remove(message.requestId());
        request.done.complete(castOutcome(request.onReply.apply(message)));
    }

    /** The link ended: every request on it fails, and its sessions are dead. */
    public void broken(FrameLink gone, String reason) {
        if (link == gone) {
            link = null;
        }
        for (Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Pending request = it.next().getValue();
            if (request.link == gone) {
                it.remove();
                Completion<Object> done = request.done;
                scheduler.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "link to " + nodeId + " broke: " + reason)));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Outcome<Object> castOutcome(Outcome<?> outcome) {
        return (Outcome<Object>) outcome;
    }

    private <T> void send(FrameLink on, ByteBuffer frame, long id, Function<Message, Outcome<?>> onReply, Completion<T> done) {
        send(on, frame, null, id, onReply, done);
    }

    /** Sends a whole frame, or a header and its payload (non-null), and awaits the reply to request {@code id}. */
    @SuppressWarnings("unchecked")
    private <T> void send(FrameLink on, ByteBuffer frame, ByteBuffer payload, long id, Function<Message, Outcome<?>> onReply,
                          Completion<T> done) {
        sweep();
        if (on == null || on != link) {
            scheduler.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "link to " + nodeId + " is gone")));
            return;
        }
        pending.put(id, new Pending(on, scheduler.nanoTime(), onReply, (Completion<Object>) (Completion<?>) done));
        if (payload == null) {
            on.send(frame);
        } else {
            on.send(frame, payload);
        }
    }

    private void sweep() {
        long now = scheduler.nanoTime();
        if (now - lastSweepNanos < requestTimeoutNanos) {
            return;
        }
        lastSweepNanos = now;
        for (Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Pending request = it.next().getValue();
            if (now - request.sentNanos >= requestTimeoutNanos) {
                it.remove();
                Completion<Object> done = request.done;
                scheduler.execute(() -> done.complete(Outcome.failed(ErrorCode.UNAVAILABLE, "no answer from " + nodeId)));
            }
        }
    }

    /** The outcome a failed reply stands for. */
    static <T> Outcome<T> failure(Message.Reply reply) {
        if (reply.status() == Status.OK) {
            return Outcome.failed(ErrorCode.INTERNAL, "a success where a failure was expected");
        }
        ErrorDetail detail = reply.error();
        if (reply.status() == Status.STALE_EPOCH) {
            Matcher matcher = EPOCH.matcher(detail.message());
            return new Outcome.StaleEpoch<>(matcher.find() ? Long.parseLong(matcher.group(1)) : 0);
        }
        ErrorCode code;
        try {
            code = ErrorCode.valueOf(detail.code());
        } catch (IllegalArgumentException e) {
            code = reply.status().errorCode() == null ? ErrorCode.INTERNAL : reply.status().errorCode();
        }
        return Outcome.failed(code, detail.message());
    }

    private static Outcome<?> done(Message reply) {
        return reply instanceof Message.Reply answer && answer.status() == Status.OK ? Outcome.done()
                : reply instanceof Message.Reply answer ? failure(answer) : Outcome.failed(ErrorCode.INTERNAL, "unexpected " + reply.type());
    }

    /** A volume handle on one link. */
    private final class Session implements ReplicaSession {
        private final FrameLink on;
        private final int handle;
        private final long epoch;
        private boolean closed;

        Session(FrameLink on, int handle, long epoch) {
            this.on = on;
            this.handle = handle;
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

        private FrameLink live() {
            return closed ? null : on;
        }

        @Override
        public void read(long offset, int length, Completion<ByteBuffer> done) {
            long id = nextRequestId++;
            send(live(), encode(new Message.Read(id, handle, epoch, offset, length)), id, reply ->
                    reply instanceof Message.Reply answer && answer.status() == Status.OK
                            ? (answer.payload().remaining() == length ? Outcome.ok(answer.payload())
                                    : Outcome.failed(ErrorCode.INTERNAL, "read of " + length + " bytes answered with " + answer.payload().remaining()))
                            : done(reply), done);
        }

        /** Header and data go to the link apart, so the data is not copied into a frame (see {@link ReplicaSession#write}). */
        @Override
        public void write(long offset, ByteBuffer data, boolean fua, Completion<Void> done) {
            long id = nextRequestId++;
            Message.Write write = new Message.Write(id, handle, epoch, offset, data, fua);
            ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_BYTES);
            FrameCodec.encodeHeader(write, header);
            send(live(), header.flip(), data, id, FrameEndpoint::done, done);
        }

        @Override
        public void trim(long offset, long length, boolean fua, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), encode(new Message.Trim(id, handle, epoch, offset, length, fua)), id, FrameEndpoint::done, done);
        }

        @Override
        public void flush(Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), encode(new Message.Flush(id, handle, epoch)), id, FrameEndpoint::done, done);
        }

        @Override
        public void regions(RegionLog log, String peer, Completion<Optional<RegionSet>> done) {
            long id = nextRequestId++;
            SyncMessage.RegionLog wireLog = log == RegionLog.ACTIVITY ? SyncMessage.RegionLog.ACTIVITY : SyncMessage.RegionLog.DIRTY;
            send(live(), SyncFrameCodec.encode(new SyncMessage.GetRegions(id, handle, epoch, wireLog, peer)), id, reply -> {
                if (!(reply instanceof Message.Reply answer) || answer.status() != Status.OK) {
                    return done(reply);
                }
                return switch (RegionBits.decodeOptional(answer.payload())) {
                    case DecodeResult.Ok<Optional<RegionBits>>(Optional<RegionBits> bits) ->
                            Outcome.ok(bits.map(set -> RegionSet.of(set.regionCount(), set.bits())));
                    default -> Outcome.failed(ErrorCode.INTERNAL, "malformed region set from " + nodeId);
                };
            }, done);
        }

        @Override
        public void track(String peer, RegionSet regions, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), SyncFrameCodec.encode(new SyncMessage.TrackPeer(id, handle, epoch, peer, bits(regions))), id,
                    FrameEndpoint::done, done);
        }

        @Override
        public void untrack(String peer, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), SyncFrameCodec.encode(new SyncMessage.UntrackPeer(id, handle, epoch, peer)), id, FrameEndpoint::done, done);
        }

        @Override
        public void settle(RegionSet regions, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), SyncFrameCodec.encode(new SyncMessage.SettleRegions(id, handle, epoch, bits(regions))), id,
                    FrameEndpoint::done, done);
        }

        @Override
        public void grow(long sizeBytes, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), SyncFrameCodec.encode(new SyncMessage.GrowVolume(id, handle, epoch, sizeBytes)), id, FrameEndpoint::done, done);
        }

        @Override
        public void snapshot(String snapshotId, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), SyncFrameCodec.encode(new SyncMessage.SnapshotVolume(id, handle, epoch, snapshotId)), id,
                    FrameEndpoint::done, done);
        }

        @Override
        public void revert(String snapshotId, Completion<Void> done) {
            long id = nextRequestId++;
            send(live(), SyncFrameCodec.encode(new SyncMessage.RevertVolume(id, handle, epoch, snapshotId)), id,
                    FrameEndpoint::done, done);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (on == link) {
                long id = nextRequestId++;
                send(on, encode(new Message.Close(id, handle, epoch)), id, FrameEndpoint::done, _ -> { });
            }
        }
    }

    private static RegionBits bits(RegionSet regions) {
        return new RegionBits(regions.regionCount(), regions.toBitSet());
    }

    private static ByteBuffer encode(Message message) {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.frameBytes(message));
        FrameCodec.encode(message, frame);
        return frame.flip();
    }
}
