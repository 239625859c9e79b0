package io.wharf.replication.sync.target;

import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.RegionSet;
import io.wharf.replication.sync.ReplicaSession;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A request of the target's client, from submission until it is answered and nothing of it is in flight. */
abstract sealed class ClientOp<T> permits ClientOp.Sent, ClientOp.Read {
    final Completion<T> done;
    boolean answered;

    ClientOp(Completion<T> done) {
        this.done = done;
    }

    /** A request sent to every replica in sync: an update or a flush. */
    abstract static sealed class Sent extends ClientOp<Void> permits Update, Flush {
        /** Sent and not answered (nor written off), per replica: the session it went to. */
        final Map<String, ReplicaSession> outstanding = new HashMap<>();
        /** Replicas in sync whose answer the client's acknowledgement needs. */
        final Set<String> awaiting = new HashSet<>();
        /** The acknowledgement also waits for this marking round to commit. */
        long needsMark;

        Sent(Completion<Void> done) {
            super(done);
        }
    }

    /** Write (data non-null) or trim. */
    static final class Update extends Sent {
        final long offset;
        final long length;
        final ByteBuffer data;
        final boolean fua;
        /** The regions written, set when it is sent (a growth of the volume may change the geometry before). */
        int firstRegion;
        int lastRegion;
        RangeLocks.Lock lock;
        boolean sent;

        Update(long offset, long length, ByteBuffer data, boolean fua, Completion<Void> done) {
            super(done);
            this.offset = offset;
            this.length = length;
            this.data = data;
            this.fua = fua;
        }
    }

    static final class Flush extends Sent {
        /** Regions that settle if this flush succeeds (unsettled and idle when it was sent)... */
        RegionSet candidates;
        /** ...except those written after it was sent. */
        RegionSet writtenSince;

        Flush(Completion<Void> done) {
            super(done);
        }
    }

    static final class Read extends ClientOp<ByteBuffer> {
        final long offset;
        final int length;
        int attempts;

        Read(long offset, int length, Completion<ByteBuffer> done) {
            super(done);
            this.offset = offset;
            this.length = length;
        }
    }
}
